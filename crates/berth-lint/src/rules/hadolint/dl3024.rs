use std::collections::HashSet;

use berth_syntax::image::FromParts;
use berth_syntax::Instruction;

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a stage name (`FROM ... AS name`) already used by an earlier stage.
    ///
    /// ## Why is this bad?
    /// `COPY --from=name` and `FROM name` can only mean one stage; BuildKit refuses duplicate
    /// stage names.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20 AS build
    /// FROM golang:1.22 AS build
    /// ```
    ///
    /// ## How to fix
    /// Give every stage its own name.
    pub struct Dl3024 {
        aliases: HashSet<String>,
    }
    meta {
        code: "DL3024",
        family: Hadolint,
        severity: Error,
        kinds: [From],
        summary: "FROM aliases (stage names) must be unique",
    }
}

impl Rule for Dl3024 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let Some(from) = FromParts::of(instruction).filter(|_| !ctx.in_onbuild()) else {
            return;
        };
        if let Some((alias, span)) = from.alias {
            if !self.aliases.insert(alias.to_string()) {
                ctx.report(span, "FROM aliases (stage names) must be unique");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3024,
            pass: [
                "FROM scratch as build\nRUN foo\nFROM node as run\nRUN baz\n",
                "FROM scratch as build\nFROM node as Build\n",
            ],
            fail: [
                "FROM node as foo\nRUN something\nFROM scratch as foo\nRUN something\n",
                "FROM debian:12 AS a\nFROM debian:12 AS a\n",
            ],
        );
    }
}
