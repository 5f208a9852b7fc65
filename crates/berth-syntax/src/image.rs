//! Image references as a Dockerfile writes them: the parts of a `FROM` line, and an image
//! name split into registry, repository, tag and digest.
//!
//! This is the one place berth splits image references. The split follows hadolint (whose
//! rules berth reproduces): a registry is recognised only when the part before the first
//! `/` contains a dot, and `${...}` expansions are opaque.
//!
//! ```
//! use berth_syntax::image::{FromParts, ImageRef};
//!
//! let file = berth_syntax::parse("FROM --platform=linux/amd64 quay.io/org/app:1.2 AS build\n");
//! let from = FromParts::of(&file.instructions[0]).unwrap();
//! assert_eq!(from.platform, Some("linux/amd64"));
//! assert_eq!(from.alias.map(|(name, _)| name), Some("build"));
//! let image = ImageRef::parse_from(from.image);
//! assert_eq!((image.registry, image.name, image.tag), (Some("quay.io"), "org/app", Some("1.2")));
//! ```

use crate::{Command, Instruction, Keyword, Span};

/// The parts of a `FROM` instruction, as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FromParts<'a> {
    /// The base image (`node:20`, `$BASE`, an earlier stage's name).
    pub image: &'a str,
    /// Where the base image is written.
    pub image_span: Span,
    /// The `--platform` flag's value.
    pub platform: Option<&'a str>,
    /// `AS name`: the name and its span.
    pub alias: Option<(&'a str, Span)>,
}

impl<'a> FromParts<'a> {
    /// The parts of a FROM; `None` for another instruction or a FROM without an image.
    ///
    /// A FROM BuildKit rejects (reported on its own) is still read word by word, as
    /// hadolint reads it: image first, then `AS name`.
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
        if instruction.keyword != Keyword::From {
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

/// An image reference split into its parts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// Only recognised when it contains a dot (`quay.io`, `my.io:5000`): `localhost:5000/x`
    /// has no registry.
    pub registry: Option<&'a str>,
    /// The repository without registry, tag and digest.
    pub name: &'a str,
    /// The tag after `:`.
    pub tag: Option<&'a str>,
    /// The digest after `@` (`sha256:...`).
    pub digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    /// A `FROM` image: `[registry.with.dot/]name[:tag][@digest]`, where `${...}` expansions
    /// are opaque (a `:` or `.` inside them separates nothing).
    ///
    /// ```
    /// use berth_syntax::image::ImageRef;
    /// let r = ImageRef::parse_from("node:${V:-20}@sha256:abc");
    /// assert_eq!((r.name, r.tag, r.digest), ("node", Some("${V:-20}"), Some("sha256:abc")));
    /// ```
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

/// An image reference without its tag and digest, registry kept: `node:20@sha256:..` is
/// `node`, `my.io:5000/app:1` is `my.io:5000/app`. hadolint compares a `FROM` with a stage
/// name this way (where [`ImageRef::parse_from`] would split `localhost:5000/app` at the
/// port).
///
/// ```
/// assert_eq!(berth_syntax::image::without_tag("my.io:5000/app:1@sha256:0"), "my.io:5000/app");
/// ```
pub fn without_tag(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    match no_digest.rfind(':') {
        Some(colon) if !no_digest[colon..].contains('/') => &no_digest[..colon],
        _ => no_digest,
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
    use super::{without_tag, FromParts, ImageRef};

    #[test]
    fn from_images() {
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
    }

    #[test]
    fn references() {
        let r = ImageRef::parse_reference("my.io/repo/image:tag");
        assert_eq!((r.registry, r.name), (Some("my.io"), "repo/image:tag"));
        let r = ImageRef::parse_reference("builder");
        assert_eq!((r.registry, r.name), (None, "builder"));
    }

    #[test]
    fn names_without_tags() {
        assert_eq!(without_tag("node:20@sha256:0"), "node");
        assert_eq!(without_tag("localhost:5000/app"), "localhost:5000/app");
        assert_eq!(without_tag("build"), "build");
    }

    #[test]
    fn rejected_from_lines_are_read_word_by_word() {
        // Two stage names: BuildKit rejects the line, hadolint still reads image and alias.
        let file = crate::parse("FROM --platform=x base AS one two\n");
        let from = FromParts::of(&file.instructions[0]).expect("a FROM");
        assert_eq!(from.image, "base");
        assert_eq!(from.platform, Some("x"));
        assert_eq!(from.alias.map(|(n, _)| n), Some("one"));
        let file = crate::parse("FROM a\nRUN x\n");
        assert!(FromParts::of(&file.instructions[1]).is_none());
    }
}
