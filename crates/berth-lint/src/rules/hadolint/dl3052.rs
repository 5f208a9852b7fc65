use berth_syntax::Instruction;

use super::helpers::labels::check_typed_labels;
use crate::context::LintContext;
use crate::rule::Rule;
use crate::settings::LabelType;

crate::declare_rule! {
    /// ## What it does
    /// With a label schema configured, flags a label of type `url` whose value is not an
    /// absolute URI (RFC 3986: a scheme, then `:`).
    ///
    /// ## Why is this bad?
    /// Tools follow these labels (source repository, documentation); `example.com` or a bare
    /// path cannot be opened.
    ///
    /// ## Example
    /// With this label schema:
    /// ```yaml
    /// # .hadolint.yaml
    /// label-schema:
    ///   org.opencontainers.image.source: url
    /// ```
    /// ```dockerfile
    /// LABEL org.opencontainers.image.source="github.com/acme/app"
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// LABEL org.opencontainers.image.source="https://github.com/acme/app"
    /// ```
    pub struct Dl3052 {}
    meta {
        code: "DL3052",
        family: Hadolint,
        severity: Warning,
        kinds: [Label],
        summary: "Label is not a valid URL",
    }
}

impl Rule for Dl3052 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_typed_labels(instruction, ctx, LabelType::Url, is_absolute_uri, |name| {
            format!("Label `{name}` is not a valid URL.")
        });
    }
}

/// An absolute URI (RFC 3986): `scheme ":" hier-part [ "?" query ] [ "#" fragment ]`.
fn is_absolute_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut scheme_chars = scheme.chars();
    if !scheme_chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        || !scheme_chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return false;
    }
    let (rest, fragment) = match rest.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (rest, None),
    };
    let (hier, query) = match rest.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (rest, None),
    };
    let path = match hier.strip_prefix("//") {
        Some(after) => {
            let end = after.find('/').unwrap_or(after.len());
            if !is_authority(&after[..end]) {
                return false;
            }
            &after[end..]
        }
        None => hier,
    };
    uri_chars(path, "/:@")
        && query
            .into_iter()
            .chain(fragment)
            .all(|part| uri_chars(part, "/:@?"))
}

/// `[userinfo "@"] host [":" port]`, with `[...]` IP literals.
fn is_authority(authority: &str) -> bool {
    let host_port = match authority.rsplit_once('@') {
        Some((userinfo, host_port)) if uri_chars(userinfo, ":") => host_port,
        Some(_) => return false,
        None => authority,
    };
    // `port` keeps its leading `:` (or is empty).
    let (host, port) = if let Some(literal) = host_port.strip_prefix('[') {
        match literal.split_once(']') {
            Some((ip, port)) if !ip.is_empty() && uri_chars(ip, ":") => ("", port),
            _ => return false,
        }
    } else {
        match host_port.rfind(':') {
            Some(colon) => host_port.split_at(colon),
            None => (host_port, ""),
        }
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()));
    port_ok && uri_chars(host, "")
}

/// Unreserved and sub-delim characters, `%XX` escapes, and the characters in `extra`.
fn uri_chars(text: &str, extra: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'%' {
            let hex = |k: usize| bytes.get(k).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return false;
            }
            i += 3;
            continue;
        }
        let ok = c.is_ascii_alphanumeric()
            || b"-._~!$&'()*+,;=".contains(&c)
            || extra.as_bytes().contains(&c);
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::is_absolute_uri;
    use crate::testing::schema_of;
    use crate::testing::RuleTest;

    #[test]
    fn cases() {
        crate::assert_rule!(RuleTest::new::<super::Dl3052>()
            .settings(schema_of("urllabel", crate::LabelType::Url))
            .pass([
                "LABEL urllabel=\"http://example.com\"\n",
                "LABEL other=\"foo\"\n"
            ])
            .fail(["LABEL urllabel=\"not-url\"\n", "LABEL urllabel=/path\n"]));
    }

    #[test]
    fn uris() {
        for ok in [
            "http://example.com",
            "https://github.com/x/y?z=1#f",
            "mailto:a@b.c",
            "urn:isbn:0451450523",
            "http://[::1]:8080/x",
            "http://u:p@h:1/%20",
        ] {
            assert!(is_absolute_uri(ok), "{ok}");
        }
        for bad in [
            "not-url",
            "example.com",
            "/path",
            "http://exa mple.com",
            "1http://x",
            "http://h:port/",
            "http://x/%zz",
        ] {
            assert!(!is_absolute_uri(bad), "{bad}");
        }
    }
}
