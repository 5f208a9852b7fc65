use berth_syntax::expand::Lexer;
use berth_syntax::Command;

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Expands every `FROM` image with the meta `ARG` defaults only (as if no `--build-arg`
    /// were given) and flags the ones that do not give a valid image reference, such as
    /// an empty name or `busybox:` with an empty tag.
    ///
    /// ## Why is this bad?
    /// The Dockerfile only builds when the caller remembers to pass the build arg; tools
    /// that read it without build args (scanners, `docker build` with defaults, IDEs) fail.
    ///
    /// ## Example
    /// ```dockerfile
    /// ARG VERSION
    /// FROM busybox:$VERSION
    /// ```
    ///
    /// ## How to fix
    /// Give the arg a default that works:
    /// ```dockerfile
    /// ARG VERSION=latest
    /// FROM busybox:$VERSION
    /// ```
    pub struct InvalidDefaultArgInFrom {}
    meta {
        code: "InvalidDefaultArgInFrom",
        family: BuildKit,
        severity: Warning,
        kinds: [],
        summary: "Default value for global ARG results in an empty or invalid base image name",
    }
}

impl Rule for InvalidDefaultArgInFrom {
    fn finish(&mut self, ctx: &mut LintContext) {
        let file = ctx.dockerfile();
        let Some(scope) = super::phase::scope(ctx) else {
            return;
        };
        let lexer = Lexer::new(file.escape);
        for stage in &scope.stages {
            let instruction = &file.instructions[stage.from];
            let Some(Command::From(from)) = &instruction.command else {
                continue;
            };
            // BuildKit abandons the check at the first expansion error.
            let Ok(out) = lexer.expand_word(&from.image, &scope.global_defaults) else {
                return;
            };
            if !is_valid_reference(&out.value) {
                ctx.report(
                    instruction.span,
                    format!(
                        "Default value for ARG {} results in empty or invalid base image name",
                        from.image
                    ),
                )
                .help("give the ARG a default value that makes a valid image reference");
            }
        }
    }
}

/// Docker's `ParseNormalizedNamed`: `[domain[:port]/]path[:tag][@digest]` with lower-case
/// path components, not a 64-hex image id.
fn is_valid_reference(text: &str) -> bool {
    if text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return false;
    }
    let (name_and_tag, digest) = match text.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (text, None),
    };
    if digest.is_some_and(|d| !is_valid_digest(d)) {
        return false;
    }
    let (domain, remainder) = split_domain(name_and_tag);
    let (path, tag) = match remainder.rsplit_once(':') {
        Some((p, t)) if !t.contains('/') => (p, Some(t)),
        _ => (remainder, None),
    };
    if tag.is_some_and(|t| !is_valid_tag(t)) {
        return false;
    }
    if domain.is_some_and(|d| !is_valid_domain(d)) {
        return false;
    }
    let full_len = domain.map_or(0, |d| d.len() + 1) + path.len();
    !path.is_empty() && full_len <= 255 && path.split('/').all(is_valid_path_component)
}

fn split_domain(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first != first.to_lowercase() =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn is_valid_path_component(component: &str) -> bool {
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
        let ok = matches!(separator, "." | "_" | "__") || separator.bytes().all(|b| b == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// `[\w][\w.-]{0,127}`
fn is_valid_tag(tag: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = tag.chars();
    tag.len() <= 128
        && chars.next().is_some_and(word)
        && chars.all(|c| word(c) || c == '.' || c == '-')
}

/// Host name components or a bracketed IPv6 address, optionally with `:port`.
fn is_valid_domain(domain: &str) -> bool {
    let (host, port) = match domain.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(':') && !p.contains(']') => (h, Some(p)),
        _ => (domain, None),
    };
    if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return !inner.is_empty()
            && inner
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
    }
    !host.is_empty()
        && host.split('.').all(|part| {
            !part.is_empty()
                && !part.starts_with('-')
                && !part.ends_with('-')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// `algorithm:hex` with the hex length of the known algorithms.
fn is_valid_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    let expected = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return false,
    };
    hex.len() == expected && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::is_valid_reference;

    #[test]
    fn cases() {
        crate::assert_rule!(super::InvalidDefaultArgInFrom,
            pass: [
                "ARG VERSION=\"latest\"\nFROM busybox:${VERSION}\n",
                "ARG BUSYBOX_VARIANT=\"\"\nFROM busybox:stable${BUSYBOX_VARIANT}\n",
                "ARG REGISTRY=registry.example.com:5000\nFROM $REGISTRY/team/app:1.0\n",
                "FROM scratch\n",
            ],
            fail: [
                "ARG VERSION\nFROM busybox:$VERSION\n",
                "ARG IMAGE\nFROM $IMAGE\n",
                "ARG SFX=\"box:\"\nFROM busy${SFX}\n",
            ],
        );
    }

    #[test]
    fn references() {
        for ok in [
            "alpine",
            "alpine:3.20",
            "library/alpine",
            "ghcr.io/org/app:v1",
            "localhost/app",
            "localhost:5000/a/b_c__d.e-f--g:tag",
            "[::1]:5000/app",
            "alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(is_valid_reference(ok), "{ok}");
        }
        for bad in [
            "",
            "busybox:",
            "Busybox",
            "app/",
            "a..b",
            "-a",
            "alpine@sha256:abc",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            ":tag",
        ] {
            assert!(!is_valid_reference(bad), "{bad}");
        }
    }
}
