//! What a `FROM` line names: its parts, the image reference and the platform.
//!
//! This is the one place berth reads image references. There is one [`ImageRef`] type and
//! one parser per grammar, because the rules berth reproduces read references in two ways:
//!
//! - **hadolint's reading** ([`ImageRef::parse_from`], [`ImageRef::parse_reference`],
//!   [`without_tag`]), used by the DL rules so they fire exactly where hadolint's do: a
//!   registry is recognised only when the part before the first `/` contains a dot, `${...}`
//!   expansions are opaque, and nothing is validated.
//! - **Docker's reading** ([`ImageRef::parse_normalized`]), used by the BuildKit checks and
//!   the build errors: distribution/reference's `ParseNormalizedNamed`, which validates the
//!   reference and fails with Docker's messages word for word, so a linter can say why the
//!   engine refuses a base image. Its registry is the first component when that has a `.`
//!   or `:`, is `localhost`, or has upper-case letters.
//!
//! Either way the parts are borrowed from the text as written; [`ImageRef::domain`],
//! [`ImageRef::path`] and `Display` give the fully qualified name Docker resolves
//! (`docker.io/library/alpine:3.20`).
//!
//! [`parse_platform`] reads a `--platform` value as the engine does (containerd's
//! `platforms.Parse`), with its error messages.
//!
//! ```
//! use berth_syntax::image::{parse_platform, FromParts, ImageRef};
//!
//! let file = berth_syntax::parse("FROM --platform=linux/amd64 quay.io/org/app:1.2 AS build\n");
//! let from = FromParts::of(&file.instructions[0]).unwrap();
//! assert_eq!(from.platform, Some("linux/amd64"));
//! assert_eq!(from.alias.map(|(name, _)| name), Some("build"));
//! let image = ImageRef::parse_from(from.image);
//! assert_eq!((image.registry, image.name, image.tag), (Some("quay.io"), "org/app", Some("1.2")));
//!
//! // hadolint sees no registry in `localhost:5000/app`; Docker does.
//! assert_eq!(ImageRef::parse_from("localhost:5000/app").registry, None);
//! let image = ImageRef::parse_normalized("localhost:5000/app").unwrap();
//! assert_eq!((image.registry, image.name), (Some("localhost:5000"), "app"));
//!
//! let image = ImageRef::parse_normalized("alpine:3.20").unwrap();
//! assert_eq!(image.to_string(), "docker.io/library/alpine:3.20");
//! let err = ImageRef::parse_normalized("gcr.io//android:").unwrap_err();
//! assert_eq!(err.to_string(), "invalid reference format");
//! let err = ImageRef::parse_normalized("Alpine").unwrap_err();
//! assert_eq!(err.to_string(), "invalid reference format: repository name (library/Alpine) must be lowercase");
//!
//! assert_eq!(parse_platform("Linux/x86_64").unwrap().format(), "linux/amd64");
//! let err = parse_platform("linux/").unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     r#""" is an invalid component of "linux/": platform specifier component must match "^[A-Za-z0-9_.-]+$": invalid argument"#
//! );
//! ```

use std::borrow::Cow;
use std::fmt;

use crate::go::go_quote;
use crate::scope::Platform;
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

/// An image reference split into its parts, each borrowed from the text as written.
///
/// Which text counts as the registry depends on the grammar that read it (see the module
/// documentation); `Display` writes the fully qualified name Docker resolves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// The registry host with its port, as written (`quay.io`, `localhost:5000`), when the
    /// grammar recognises one; `None` means Docker Hub.
    pub registry: Option<&'a str>,
    /// The repository without registry, tag and digest, as written (`alpine`, `org/app`).
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

    /// Docker's reading (`reference.ParseNormalizedNamed`): a familiar name (`alpine`,
    /// `user/app:1`, `ghcr.io/org/app@sha256:...`) checked as the engine checks a base
    /// image, or Docker's error. Expansions must be done first: `$` is not valid here.
    ///
    /// ```
    /// use berth_syntax::image::ImageRef;
    /// let r = ImageRef::parse_normalized("index.docker.io/user/app:1").unwrap();
    /// assert_eq!((r.registry, r.name, r.tag), (Some("index.docker.io"), "user/app", Some("1")));
    /// assert_eq!((r.domain(), r.path().as_ref()), ("docker.io", "user/app"));
    /// ```
    pub fn parse_normalized(text: &'a str) -> Result<ImageRef<'a>, ReferenceError> {
        if is_hex_identifier(text) {
            return Err(ReferenceError::HexIdentifier(text.to_string()));
        }
        let (registry, remainder) = split_docker_domain(text);
        let written = ImageRef {
            registry,
            name: remainder,
            ..ImageRef::default()
        };
        let path = written.path();
        let remote = path.split(':').next().unwrap_or_default();
        if remote.to_lowercase() != remote {
            return Err(ReferenceError::Uppercase(remote.to_string()));
        }
        validate(&format!("{}/{path}", written.domain()))?;
        let (name, tag, digest) =
            match_reference(remainder).ok_or(ReferenceError::InvalidFormat)?;
        Ok(ImageRef {
            registry,
            name,
            tag,
            digest,
        })
    }

    /// The registry Docker pulls from: the one written, `docker.io` when none is (or when
    /// it is written `index.docker.io`).
    pub fn domain(&self) -> &'a str {
        match self.registry {
            None | Some("index.docker.io") => DEFAULT_DOMAIN,
            Some(registry) => registry,
        }
    }

    /// The repository path Docker pulls: a one-component name on Docker Hub lives under
    /// `library/`.
    pub fn path(&self) -> Cow<'a, str> {
        if self.domain() == DEFAULT_DOMAIN && !self.name.contains('/') {
            Cow::Owned(format!("library/{}", self.name))
        } else {
            Cow::Borrowed(self.name)
        }
    }
}

impl fmt::Display for ImageRef<'_> {
    /// The fully qualified reference: `docker.io/library/alpine:3.20`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.domain(), self.path())?;
        if let Some(tag) = self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
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

/// Why a reference is not valid; displays as Docker's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReferenceError {
    /// `invalid reference format`
    InvalidFormat,
    /// `invalid reference format: repository name (<path>) must be lowercase`
    Uppercase(String),
    /// `invalid repository name (<text>), cannot specify 64-byte hexadecimal strings`
    HexIdentifier(String),
    /// `repository name must be lowercase` (an upper-case registry name that is not valid)
    NameContainsUppercase,
    /// `repository name must not be more than 255 characters`
    NameTooLong,
    /// `repository name must have at least one component`
    NameEmpty,
    /// `invalid checksum digest format`
    DigestFormat,
    /// `unsupported digest algorithm`
    DigestUnsupported,
    /// `invalid checksum digest length`
    DigestLength,
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReferenceError::InvalidFormat => f.write_str("invalid reference format"),
            ReferenceError::Uppercase(path) => write!(
                f,
                "invalid reference format: repository name ({path}) must be lowercase"
            ),
            ReferenceError::HexIdentifier(text) => write!(
                f,
                "invalid repository name ({text}), cannot specify 64-byte hexadecimal strings"
            ),
            ReferenceError::NameContainsUppercase => {
                f.write_str("repository name must be lowercase")
            }
            ReferenceError::NameTooLong => {
                f.write_str("repository name must not be more than 255 characters")
            }
            ReferenceError::NameEmpty => {
                f.write_str("repository name must have at least one component")
            }
            ReferenceError::DigestFormat => f.write_str("invalid checksum digest format"),
            ReferenceError::DigestUnsupported => f.write_str("unsupported digest algorithm"),
            ReferenceError::DigestLength => f.write_str("invalid checksum digest length"),
        }
    }
}

impl std::error::Error for ReferenceError {}

const DEFAULT_DOMAIN: &str = "docker.io";

/// `splitDockerDomain`: the first path component is a registry when it has a `.` or `:`,
/// is `localhost`, or has upper-case letters.
fn split_docker_domain(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.to_lowercase() != first =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

/// A 64-character lower-case hex string: an image id, which Docker refuses as a name.
fn is_hex_identifier(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// distribution/reference's `Parse` over `ReferenceRegexp`
/// (`[domain[:port]/]path[:tag][@digest]`), keeping only its verdict: Docker's error for a
/// text that is not a reference.
fn validate(text: &str) -> Result<(), ReferenceError> {
    let Some((name, _tag, digest)) = match_reference(text) else {
        if text.is_empty() {
            return Err(ReferenceError::NameEmpty);
        }
        if match_reference(&text.to_lowercase()).is_some() {
            return Err(ReferenceError::NameContainsUppercase);
        }
        return Err(ReferenceError::InvalidFormat);
    };
    if name.len() > 255 {
        return Err(ReferenceError::NameTooLong);
    }
    if let Some(digest) = digest {
        validate_digest(digest)?;
    }
    Ok(())
}

/// Splits a full match of `ReferenceRegexp` into (name, tag, digest).
fn match_reference(text: &str) -> Option<(&str, Option<&str>, Option<&str>)> {
    let (rest, digest) = match text.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (text, None),
    };
    if digest.is_some_and(|d| !is_digest_syntax(d)) {
        return None;
    }
    // The tag is after the last `:` when what follows has no `/` (a `:` before a `/` is a
    // registry port).
    let (name, tag) = match rest.rfind(':') {
        Some(at) if !rest[at + 1..].contains('/') => (&rest[..at], Some(&rest[at + 1..])),
        _ => (rest, None),
    };
    if tag.is_some_and(|t| !is_tag(t)) || !is_name(name) {
        return None;
    }
    Some((name, tag, digest))
}

/// `(?:domainAndPort/)?pathComponent(?:/pathComponent)*`
fn is_name(name: &str) -> bool {
    if name.split('/').all(is_path_component) {
        return true;
    }
    match name.split_once('/') {
        Some((domain, path)) => {
            is_domain_and_port(domain) && path.split('/').all(is_path_component)
        }
        None => false,
    }
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn is_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let separator = &component[start..i];
        if !(matches!(separator, "." | "_" | "__") || separator.bytes().all(|b| b == b'-')) {
            return false;
        }
    }
    true
}

/// `(?:domainName|\[ipv6\])(?::[0-9]+)?` with `domainName` = dot-separated
/// `[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]` components.
fn is_domain_and_port(domain: &str) -> bool {
    let (host, port) = if let Some(rest) = domain.strip_prefix('[') {
        match rest.split_once(']') {
            Some((inner, after)) => {
                let ok =
                    !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
                if !ok {
                    return false;
                }
                match after {
                    "" => return true,
                    _ => ("[]", after.strip_prefix(':')),
                }
            }
            None => return false,
        }
    } else {
        match domain.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (domain, None),
        }
    };
    if let Some(port) = port {
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    } else if host == "[]" {
        return false;
    }
    host == "[]"
        || host.split('.').all(|part| {
            let bytes = part.as_bytes();
            !bytes.is_empty()
                && bytes[0].is_ascii_alphanumeric()
                && bytes[bytes.len() - 1].is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        })
}

/// `[\w][\w.-]{0,127}`
fn is_tag(tag: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = tag.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && word(bytes[0])
        && bytes.iter().all(|b| word(*b) || *b == b'.' || *b == b'-')
}

/// `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`
fn is_digest_syntax(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    let algorithm_ok = algorithm.split(['-', '_', '+', '.']).all(|part| {
        let bytes = part.as_bytes();
        !bytes.is_empty()
            && bytes[0].is_ascii_alphabetic()
            && bytes.iter().all(u8::is_ascii_alphanumeric)
    });
    algorithm_ok && hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// go-digest's `Digest.Validate` for a digest that already has the right shape.
fn validate_digest(digest: &str) -> Result<(), ReferenceError> {
    let (algorithm, hex) = digest.split_once(':').ok_or(ReferenceError::DigestFormat)?;
    let size = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err(ReferenceError::DigestUnsupported),
    };
    if hex.len() != size {
        return Err(ReferenceError::DigestLength);
    }
    if !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(ReferenceError::DigestFormat);
    }
    Ok(())
}

/// Why a `--platform` value is not a platform; displays as containerd's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformError {
    message: String,
}

impl fmt::Display for PlatformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PlatformError {}

/// Operating systems containerd knows (`isKnownOS`).
pub const KNOWN_OS: [&str; 17] = [
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "windows",
    "zos",
];

/// Architectures containerd knows (`isKnownArch`).
pub const KNOWN_ARCH: [&str; 24] = [
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "ppc64",
    "ppc64le",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// containerd's `platforms.Parse` (as vendored by Docker 28), normalized: `os[(version)]`,
/// `arch`, `os/arch`, `os/arch/variant`. A single word must be a known OS (the
/// architecture then defaults to `amd64`, the machine berth models) or a known
/// architecture (the OS to `linux`).
pub fn parse_platform(specifier: &str) -> Result<Platform, PlatformError> {
    let error = |message: String| PlatformError {
        message: format!("{message}: invalid argument"),
    };
    if specifier.contains('*') {
        return Err(error(format!(
            "{}: wildcards not yet supported",
            go_quote(specifier)
        )));
    }
    let parts: Vec<&str> = specifier.splitn(4, '/').collect();
    let mut platform = Platform {
        os: String::new(),
        arch: String::new(),
        variant: String::new(),
        os_version: String::new(),
    };
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some((os, version)) = os_and_version(part) else {
                return Err(error(format!(
                    "{} is an invalid OS component of {}: OSAndVersion specifier component must match {}",
                    go_quote(part),
                    go_quote(specifier),
                    go_quote(r"^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$")
                )));
            };
            platform.os = normalize_os(os);
            platform.os_version = version.to_string();
        } else if !is_specifier_component(part) {
            return Err(error(format!(
                "{} is an invalid component of {}: platform specifier component must match {}",
                go_quote(part),
                go_quote(specifier),
                go_quote("^[A-Za-z0-9_.-]+$")
            )));
        }
    }
    match parts.as_slice() {
        [one] => {
            if KNOWN_OS.contains(&platform.os.as_str()) {
                platform.arch = "amd64".to_string();
                return Ok(platform);
            }
            let (arch, variant) = normalize_arch(one, "");
            let variant = if arch == "arm" && variant == "v7" {
                String::new()
            } else {
                variant
            };
            if KNOWN_ARCH.contains(&arch.as_str()) {
                platform.os = "linux".to_string();
                platform.os_version = String::new();
                platform.arch = arch;
                platform.variant = variant;
                return Ok(platform);
            }
            Err(error(format!(
                "{}: unknown operating system or architecture",
                go_quote(specifier)
            )))
        }
        [_, arch] => {
            let (arch, variant) = normalize_arch(arch, "");
            platform.variant = if arch == "arm" && variant == "v7" {
                String::new()
            } else {
                variant
            };
            platform.arch = arch;
            Ok(platform)
        }
        [_, arch, variant] => {
            let (arch, variant) = normalize_arch(arch, variant);
            platform.variant = if arch == "arm64" && variant.is_empty() {
                "v8".to_string()
            } else {
                variant
            };
            platform.arch = arch;
            Ok(platform)
        }
        _ => Err(error(format!(
            "{}: cannot parse platform specifier",
            go_quote(specifier)
        ))),
    }
}

/// `^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$`: the OS and
/// the version in parentheses (OS features after `+` are accepted and dropped).
fn os_and_version(part: &str) -> Option<(&str, &str)> {
    let (os, inner) = match part.split_once('(') {
        Some((os, rest)) => (os, rest.strip_suffix(')')?),
        None => (part, ""),
    };
    let os_ok = !os.is_empty()
        && os
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let mut pieces = inner.split('+');
    let version = pieces.next().unwrap_or("");
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'%' | b'-');
    let version_ok = version.bytes().all(allowed);
    let features_ok = pieces.all(|f| !f.is_empty() && f.bytes().all(allowed));
    (os_ok && version_ok && features_ok).then_some((os, version))
}

/// `^[A-Za-z0-9_.-]+$`
fn is_specifier_component(part: &str) -> bool {
    !part.is_empty()
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

fn normalize_os(os: &str) -> String {
    match os.to_lowercase().as_str() {
        "macos" => "darwin".to_string(),
        other => other.to_string(),
    }
}

/// containerd's `normalizeArch`.
fn normalize_arch(arch: &str, variant: &str) -> (String, String) {
    let arch = arch.to_lowercase();
    let variant = variant.to_lowercase();
    match arch.as_str() {
        "i386" => ("386".into(), String::new()),
        "x86_64" | "x86-64" | "amd64" => {
            let variant = if variant == "v1" {
                String::new()
            } else {
                variant
            };
            ("amd64".into(), variant)
        }
        "aarch64" | "arm64" => {
            let variant = match variant.as_str() {
                "8" | "v8" | "v8.0" => String::new(),
                "9" | "9.0" | "v9.0" => "v9".into(),
                other => other.to_string(),
            };
            ("arm64".into(), variant)
        }
        "armhf" => ("arm".into(), "v7".into()),
        "armel" => ("arm".into(), "v6".into()),
        "arm" => {
            let variant = match variant.as_str() {
                "" | "7" => "v7".into(),
                "5" | "6" | "8" => format!("v{variant}"),
                other => other.to_string(),
            };
            ("arm".into(), variant)
        }
        _ => (arch, variant),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn valid_references() {
        for (text, full) in [
            ("alpine", "docker.io/library/alpine"),
            ("alpine:3.20", "docker.io/library/alpine:3.20"),
            ("library/alpine", "docker.io/library/alpine"),
            ("index.docker.io/user/app", "docker.io/user/app"),
            ("ghcr.io/org/app:v1", "ghcr.io/org/app:v1"),
            ("localhost/app", "localhost/app"),
            ("localhost:5000/a/b_c__d.e-f--g:tag", "localhost:5000/a/b_c__d.e-f--g:tag"),
            ("[::1]:5000/app", "[::1]:5000/app"),
            ("Gcr.io/foo", "Gcr.io/foo"),
            (
                "alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                "docker.io/library/alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            ),
        ] {
            assert_eq!(ImageRef::parse_normalized(text).map(|r| r.to_string()), Ok(full.into()), "{text}");
        }
    }

    #[test]
    fn invalid_references_with_dockers_messages() {
        let hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        for (text, message) in [
            ("", "invalid reference format"),
            ("busybox:", "invalid reference format"),
            ("gcr.io//android:base", "invalid reference format"),
            ("app/", "invalid reference format"),
            ("a..b", "invalid reference format"),
            ("-a", "invalid reference format"),
            (":tag", "invalid reference format"),
            (
                "Busybox",
                "invalid reference format: repository name (library/Busybox) must be lowercase",
            ),
            (
                "BUG_stage",
                "invalid reference format: repository name (library/BUG_stage) must be lowercase",
            ),
            (
                "user/App:1",
                "invalid reference format: repository name (user/App) must be lowercase",
            ),
            ("alpine@sha256:abc", "invalid reference format"),
            (
                "alpine@sha256:0123456789abcdef0123456789abcdef",
                "invalid checksum digest length",
            ),
            (
                "alpine@md5:0123456789abcdef0123456789abcdef",
                "unsupported digest algorithm",
            ),
        ] {
            assert_eq!(
                ImageRef::parse_normalized(text).map_err(|e| e.to_string()),
                Err(message.to_string()),
                "{text:?}"
            );
        }
        assert_eq!(
            ImageRef::parse_normalized(hex).unwrap_err().to_string(),
            format!("invalid repository name ({hex}), cannot specify 64-byte hexadecimal strings")
        );
        assert_eq!(
            ImageRef::parse_normalized(&"a".repeat(300)).unwrap_err(),
            ReferenceError::NameTooLong
        );
    }

    #[test]
    fn platforms() {
        for (text, formatted) in [
            ("linux/amd64", "linux/amd64"),
            ("linux/arm64", "linux/arm64"),
            ("linux/arm64/v8", "linux/arm64/v8"),
            ("linux/arm/v7", "linux/arm/v7"),
            ("linux/arm", "linux/arm"),
            ("arm64", "linux/arm64"),
            ("windows", "windows/amd64"),
            ("Linux/X86_64", "linux/amd64"),
            ("linux/placeholder", "linux/placeholder"),
            ("linux(10.0.1+feature)/amd64", "linux/amd64"),
        ] {
            assert_eq!(
                parse_platform(text).map(|p| p.format()),
                Ok(formatted.into()),
                "{text}"
            );
        }
        for (text, message) in [
            (
                "linux/",
                r#""" is an invalid component of "linux/": platform specifier component must match "^[A-Za-z0-9_.-]+$": invalid argument"#,
            ),
            (
                "/amd64",
                r#""" is an invalid OS component of "/amd64": OSAndVersion specifier component must match "^([A-Za-z0-9_-]+)(?:\\(([A-Za-z0-9_.%-]*)((?:\\+[A-Za-z0-9_.%-]+)*)\\))?$": invalid argument"#,
            ),
            (
                "nonsense",
                r#""nonsense": unknown operating system or architecture: invalid argument"#,
            ),
            (
                "linux/*",
                r#""linux/*": wildcards not yet supported: invalid argument"#,
            ),
            (
                "a/b/c/d",
                r#""a/b/c/d": cannot parse platform specifier: invalid argument"#,
            ),
        ] {
            assert_eq!(
                parse_platform(text).map_err(|e| e.to_string()),
                Err(message.to_string()),
                "{text}"
            );
        }
    }
}
