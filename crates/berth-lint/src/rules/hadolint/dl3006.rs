use std::collections::HashSet;

use berth_syntax::{Command, Instruction, Span};

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

/// The parts of a `FROM` instruction, as written.
pub(super) struct FromParts<'a> {
    pub image: &'a str,
    pub image_span: Span,
    pub platform: Option<&'a str>,
    /// `AS name`: the name and its span.
    pub alias: Option<(&'a str, Span)>,
}

impl<'a> FromParts<'a> {
    /// `None` for an instruction that is not a FROM or has no image.
    pub fn of(instruction: &'a Instruction) -> Option<FromParts<'a>> {
        if let Some(Command::From(from)) = &instruction.command {
            return Some(FromParts {
                image: &from.image,
                image_span: from.image_span,
                platform: from.platform.as_deref(),
                alias: from
                    .name
                    .as_deref()
                    .map(|n| (n, from.name_span.unwrap_or(from.image_span))),
            });
        }
        // BuildKit rejected the FROM (reported as DL1000); read the words as hadolint would.
        if instruction.keyword != berth_syntax::Keyword::From {
            return None;
        }
        let image = instruction.args.first()?;
        let alias = match instruction.args.as_slice() {
            [_, as_kw, name, ..] if as_kw.value.eq_ignore_ascii_case("as") => {
                Some((name.value.as_str(), name.span))
            }
            _ => None,
        };
        let platform = instruction
            .flags
            .iter()
            .find(|f| f.name == "platform")
            .and_then(|f| f.value.as_deref());
        Some(FromParts {
            image: &image.value,
            image_span: image.span,
            platform,
            alias,
        })
    }
}

/// An image reference split as hadolint splits it.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct ImageRef<'a> {
    /// Only recognised when it contains a dot (`quay.io`, `my.io:5000`); `localhost:5000/x` has
    /// no registry for hadolint.
    pub registry: Option<&'a str>,
    /// The repository without registry, tag and digest.
    pub name: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    /// A `FROM` image: `[registry.with.dot/]name[:tag][@digest]`, where `${...}` expansions are
    /// opaque (a `:` or `.` inside them separates nothing).
    pub fn parse_from(text: &'a str) -> ImageRef<'a> {
        let mut registry = None;
        let mut rest = text;
        if let Some(dot) = find_outside_expansions(text, 0, b'.').filter(|&d| d > 0) {
            if let Some(slash) = find_outside_expansions(text, dot + 1, b'/') {
                if slash > dot + 1 {
                    registry = Some(&text[..slash]);
                    rest = &text[slash + 1..];
                }
            }
        }
        let name_end = find_outside_expansions(rest, 0, b':')
            .into_iter()
            .chain(find_outside_expansions(rest, 0, b'@'))
            .min()
            .unwrap_or(rest.len());
        let (name, mut after) = rest.split_at(name_end);
        let mut tag = None;
        if let Some(t) = after.strip_prefix(':') {
            let end = find_outside_expansions(t, 0, b'@').unwrap_or(t.len());
            tag = Some(&t[..end]);
            after = &t[end..];
        }
        ImageRef {
            registry,
            name,
            tag,
            digest: after.strip_prefix('@'),
        }
    }

    /// A `COPY --from` or `RUN --mount from=` value, read as hadolint reads an image name
    /// there: the text before the first `/` is the registry when it contains a dot, and the
    /// rest (tag included) is the name.
    pub fn parse_reference(text: &'a str) -> ImageRef<'a> {
        match text.split_once('/') {
            Some((registry, name)) if registry.contains('.') => ImageRef {
                registry: Some(registry),
                name,
                ..ImageRef::default()
            },
            _ => ImageRef {
                name: text,
                ..ImageRef::default()
            },
        }
    }
}

/// Byte index of the first `stop` in `text[from..]` that is not inside a `${...}`.
fn find_outside_expansions(text: &str, from: usize, stop: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    let mut depth = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth > 0 => depth -= 1,
            c if c == stop && depth == 0 => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::ImageRef;

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

    #[test]
    fn image_references() {
        let r = ImageRef::parse_from("quay.io/org/app:1.2@sha256:abc");
        assert_eq!(r.registry, Some("quay.io"));
        assert_eq!(r.name, "org/app");
        assert_eq!(r.tag, Some("1.2"));
        assert_eq!(r.digest, Some("sha256:abc"));
        let r = ImageRef::parse_from("localhost:5000/a");
        assert_eq!(
            (r.registry, r.name, r.tag),
            (None, "localhost", Some("5000/a"))
        );
        let r = ImageRef::parse_from("${REG:-docker.io}/app");
        assert_eq!(
            (r.registry, r.name, r.tag),
            (None, "${REG:-docker.io}/app", None)
        );
        let r = ImageRef::parse_from("node:${V:-20}");
        assert_eq!((r.name, r.tag), ("node", Some("${V:-20}")));
        let r = ImageRef::parse_reference("my.io/repo/image:tag");
        assert_eq!((r.registry, r.name), (Some("my.io"), "repo/image:tag"));
        let r = ImageRef::parse_reference("builder");
        assert_eq!((r.registry, r.name), (None, "builder"));
    }
}
