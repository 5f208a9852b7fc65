//! Image references and platforms as `docker build` reads a FROM line: Docker's
//! `reference.ParseNormalizedNamed` (distribution/reference) and containerd's
//! `platforms.Parse`, with their error messages word for word, so a linter can say why
//! the engine refuses a base image or a `--platform` value.
//!
//! ```
//! use berth_syntax::reference::{parse_normalized_named, parse_platform};
//!
//! let image = parse_normalized_named("alpine:3.20").unwrap();
//! assert_eq!(image.to_string(), "docker.io/library/alpine:3.20");
//! let err = parse_normalized_named("gcr.io//android:").unwrap_err();
//! assert_eq!(err.to_string(), "invalid reference format");
//! let err = parse_normalized_named("Alpine").unwrap_err();
//! assert_eq!(err.to_string(), "invalid reference format: repository name (library/Alpine) must be lowercase");
//!
//! assert_eq!(parse_platform("Linux/x86_64").unwrap().format(), "linux/amd64");
//! let err = parse_platform("linux/").unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     r#""" is an invalid component of "linux/": platform specifier component must match "^[A-Za-z0-9_.-]+$": invalid argument"#
//! );
//! ```

use std::fmt;

use crate::go::go_quote;
use crate::scope::Platform;

/// A parsed, normalized image reference (`docker.io/library/alpine:3.20`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// The registry host, with its port (`docker.io` when the reference names none).
    pub domain: String,
    /// The repository path (`library/alpine`).
    pub path: String,
    /// The tag, when the reference has one (`3.20`).
    pub tag: Option<String>,
    /// `algorithm:hex`.
    pub digest: Option<String>,
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.domain, self.path)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
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

/// Docker's `ParseNormalizedNamed`: a familiar name (`alpine`, `user/app:1`,
/// `ghcr.io/org/app@sha256:...`) made fully qualified, or Docker's error.
pub fn parse_normalized_named(text: &str) -> Result<ImageRef, ReferenceError> {
    if is_hex_identifier(text) {
        return Err(ReferenceError::HexIdentifier(text.to_string()));
    }
    let (domain, remainder) = split_docker_domain(text);
    let remote = match remainder.find(':') {
        Some(at) => &remainder[..at],
        None => &remainder,
    };
    if remote.to_lowercase() != remote {
        return Err(ReferenceError::Uppercase(remote.to_string()));
    }
    parse(&format!("{domain}/{remainder}"))
}

/// A 64-character lower-case hex string: an image id, which Docker refuses as a name.
fn is_hex_identifier(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `splitDockerDomain`: the first path component is a registry when it has a `.` or `:`,
/// is `localhost`, or has upper-case letters; otherwise the registry is Docker Hub, whose
/// one-component names live under `library/`.
fn split_docker_domain(name: &str) -> (String, String) {
    let (mut domain, remainder) = match name.find('/') {
        Some(at)
            if name[..at].contains(['.', ':'])
                || &name[..at] == "localhost"
                || name[..at].to_lowercase() != name[..at] =>
        {
            (name[..at].to_string(), name[at + 1..].to_string())
        }
        _ => (DEFAULT_DOMAIN.to_string(), name.to_string()),
    };
    if domain == "index.docker.io" {
        domain = DEFAULT_DOMAIN.to_string();
    }
    let remainder = if domain == DEFAULT_DOMAIN && !remainder.contains('/') {
        format!("library/{remainder}")
    } else {
        remainder
    };
    (domain, remainder)
}

/// distribution/reference's `Parse` over `ReferenceRegexp`:
/// `[domain[:port]/]path[:tag][@digest]`.
fn parse(text: &str) -> Result<ImageRef, ReferenceError> {
    let Some(parts) = match_reference(text) else {
        if text.is_empty() {
            return Err(ReferenceError::NameEmpty);
        }
        if match_reference(&text.to_lowercase()).is_some() {
            return Err(ReferenceError::NameContainsUppercase);
        }
        return Err(ReferenceError::InvalidFormat);
    };
    let (name, tag, digest) = parts;
    if name.len() > 255 {
        return Err(ReferenceError::NameTooLong);
    }
    if let Some(digest) = digest {
        validate_digest(digest)?;
    }
    let (domain, path) = match split_domain(name) {
        Some((domain, path)) => (domain.to_string(), path.to_string()),
        None => (String::new(), name.to_string()),
    };
    Ok(ImageRef {
        domain,
        path,
        tag: tag.map(str::to_string),
        digest: digest.map(str::to_string),
    })
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

/// The domain of a name that starts with one (`anchoredNameRegexp`): the first component
/// when it is a valid domain and the rest a valid path, the whole name being no path.
fn split_domain(name: &str) -> Option<(&str, &str)> {
    if name.split('/').all(is_path_component) {
        // The regexp prefers a domain when the first component can be one.
        if let Some((first, rest)) = name.split_once('/') {
            if is_domain_and_port(first) {
                return Some((first, rest));
            }
        }
        return None;
    }
    name.split_once('/')
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
            assert_eq!(parse_normalized_named(text).map(|r| r.to_string()), Ok(full.into()), "{text}");
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
                parse_normalized_named(text).map_err(|e| e.to_string()),
                Err(message.to_string()),
                "{text:?}"
            );
        }
        assert_eq!(
            parse_normalized_named(hex).unwrap_err().to_string(),
            format!("invalid repository name ({hex}), cannot specify 64-byte hexadecimal strings")
        );
        assert_eq!(
            parse_normalized_named(&"a".repeat(300)).unwrap_err(),
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
