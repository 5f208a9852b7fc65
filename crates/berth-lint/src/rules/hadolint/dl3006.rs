use std::collections::HashSet;

use berth_syntax::image::{FromParts, ImageRef};
use berth_syntax::Instruction;

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a `FROM` image with neither a tag nor a digest.
    ///
    /// ## Why is this bad?
    /// Without a tag the build takes whatever `latest` points at today: the next build can
    /// get a different base image with different packages, and nothing in the Dockerfile
    /// shows that it changed.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12.5
    /// ```
    /// `scratch`, an earlier stage's name and an image given entirely by a variable
    /// (`FROM ${BASE}`) are accepted.
    pub struct Dl3006 {
        /// Stage names (`AS name`) seen so far, as written.
        aliases: HashSet<String>,
    }
    meta {
        code: "DL3006",
        family: Hadolint,
        severity: Warning,
        kinds: [From],
        summary: "Always tag the version of an image explicitly",
    }
}

impl Rule for Dl3006 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let Some(from) = FromParts::of(instruction).filter(|_| !ctx.in_onbuild()) else {
            return;
        };
        let image = ImageRef::parse_from(from.image);
        let untagged = image.tag.is_none() && image.digest.is_none();
        // Only stages named before this FROM count: `FROM gcc AS gcc` pulls the image.
        if untagged
            && image.name != "scratch"
            && !image.name.starts_with('$')
            && !self.aliases.contains(image.name)
        {
            ctx.report(
                from.image_span,
                "Always tag the version of an image explicitly",
            );
        }
        if let Some((alias, _)) = from.alias {
            self.aliases.insert(alias.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3006,
            pass: [
                "FROM ruby@sha256:f1dbca0f5dbc9\n",
                "FROM ruby:2\n",
                "FROM ${VALUE}\n",
                "FROM scratch\n",
                "FROM golang:1.9.3-alpine3.7 AS build\nRUN foo\nFROM build as unit-test\nRUN bar\n",
                "ARG BASE=debian:12\nFROM ${BASE}\nFROM $BASE AS b\n",
                "FROM debian:12 AS build\nFROM build\n",
                "FROM my.registry:5000/team/image:1.0\n",
            ],
            fail: [
                "FROM debian\n",
                "FROM debian AS builder\n",
                "FROM golang:1.9.3-alpine3.7 AS build\nRUN foo\nFROM node as unit-test\nRUN bar\n",
                "ARG X=1\nFROM img${X}\n",
                "FROM my.registry:5000/team/image\n",
                "FROM gcc AS gcc\n",
                "FROM r.example.co/osquery AS osquery\n",
            ],
        );
    }
}
