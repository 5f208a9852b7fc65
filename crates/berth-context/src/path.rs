//! Go's `path` functions on byte strings: the one home of path cleaning in berth.
//!
//! BuildKit cleans and joins paths with Go's `path` package (`.dockerignore` patterns,
//! COPY sources and destinations, WORKDIR, mount targets). Go strings are byte strings,
//! so names that are not UTF-8 go through unchanged; [`clean_str`] and [`resolve`] are
//! the forms for text.

/// Go's `path.Clean`: collapse `//`, drop `.` elements, resolve `..` lexically (kept at the
/// start of a relative path, dropped at the root), remove a trailing `/`; empty gives `.`.
pub fn clean(path: &[u8]) -> Vec<u8> {
    if path.is_empty() {
        return b".".to_vec();
    }
    let rooted = path[0] == b'/';
    let mut parts: Vec<&[u8]> = Vec::new();
    // Number of leading `..` elements in `parts` (a relative path keeps them).
    let mut dotdots = 0;
    for part in path.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                if parts.len() > dotdots {
                    parts.pop();
                } else if !rooted {
                    parts.push(part);
                    dotdots += 1;
                }
            }
            _ => parts.push(part),
        }
    }
    let mut out = Vec::with_capacity(path.len());
    if rooted {
        out.push(b'/');
    }
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        out.extend_from_slice(part);
    }
    if out.is_empty() {
        out.push(b'.');
    }
    out
}

/// [`clean`] for text (cleaning only drops and joins whole components, so UTF-8 stays
/// UTF-8).
///
/// ```
/// assert_eq!(berth_context::path::clean_str("./a//b/../c/"), "a/c");
/// assert_eq!(berth_context::path::clean_str("/../x"), "/x");
/// ```
pub fn clean_str(path: &str) -> String {
    String::from_utf8_lossy(&clean(path.as_bytes())).into_owned()
}

/// A path as the builder sees it from working directory `cwd` (absolute): an absolute
/// `path` is cleaned, a relative one is joined onto `cwd` and cleaned, and a trailing `/`
/// of `path` is kept (on a COPY destination it means "into this directory").
///
/// ```
/// use berth_context::path::resolve;
/// assert_eq!(resolve("/app", "src/"), "/app/src/");
/// assert_eq!(resolve("/app", "/abs/../y"), "/y");
/// assert_eq!(resolve("/a", "../.."), "/");
/// ```
pub fn resolve(cwd: &str, path: &str) -> String {
    let trailing = path.len() > 1 && path.ends_with('/');
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{cwd}/{path}")
    };
    let mut out = clean_str(&joined);
    if trailing && out != "/" {
        out.push('/');
    }
    out
}

/// Go's `path.Dir`: everything before the last `/`, cleaned.
pub fn dir(path: &[u8]) -> Vec<u8> {
    match path.iter().rposition(|&b| b == b'/') {
        Some(i) => clean(&path[..=i]),
        None => b".".to_vec(),
    }
}

/// Go's `path.Base` (used by the checksum of a single selected entry).
pub fn base(path: &[u8]) -> &[u8] {
    let trimmed = {
        let mut end = path.len();
        while end > 1 && path[end - 1] == b'/' {
            end -= 1;
        }
        &path[..end]
    };
    if trimmed.is_empty() {
        return b".";
    }
    match trimmed.iter().rposition(|&b| b == b'/') {
        Some(i) if trimmed.len() > 1 => &trimmed[i + 1..],
        _ => trimmed,
    }
}

/// Decode bytes the way Go ranges over a string: valid UTF-8 sequences become their
/// character, every byte of an invalid sequence becomes U+FFFD on its own.
pub(crate) fn decode_runes(bytes: &[u8]) -> Vec<char> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.extend(s.chars());
                break;
            }
            Err(err) => {
                let (good, bad) = rest.split_at(err.valid_up_to());
                out.extend(std::str::from_utf8(good).unwrap_or_default().chars());
                out.push(char::REPLACEMENT_CHARACTER);
                rest = &bad[1..];
            }
        }
    }
    out
}

/// Go's `strings.TrimSpace` on bytes: trims Unicode white space at both ends.
pub(crate) fn trim_space(bytes: &[u8]) -> &[u8] {
    let is_space = |c: char| c.is_whitespace();
    let mut start = 0;
    while start < bytes.len() {
        match first_char(&bytes[start..]) {
            Some((c, n)) if is_space(c) => start += n,
            _ => break,
        }
    }
    let mut end = bytes.len();
    while end > start {
        match last_char(&bytes[start..end]) {
            Some((c, n)) if is_space(c) => end -= n,
            _ => break,
        }
    }
    &bytes[start..end]
}

fn first_char(bytes: &[u8]) -> Option<(char, usize)> {
    let len = bytes.len().min(4);
    (1..=len).find_map(|n| {
        std::str::from_utf8(&bytes[..n])
            .ok()
            .and_then(|s| s.chars().next().map(|c| (c, n)))
    })
}

fn last_char(bytes: &[u8]) -> Option<(char, usize)> {
    let len = bytes.len().min(4);
    (1..=len).find_map(|n| {
        std::str::from_utf8(&bytes[bytes.len() - n..])
            .ok()
            .and_then(|s| s.chars().next().map(|c| (c, n)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_matches_go() {
        let cases: &[(&str, &str)] = &[
            ("", "."),
            ("abc", "abc"),
            ("abc/", "abc"),
            ("a//b/./c/", "a/b/c"),
            ("/../a", "/a"),
            ("../a/..", ".."),
            ("a/../../b", "../b"),
            ("/", "/"),
            ("//", "/"),
            ("./", "."),
            ("!/x/", "!/x"),
        ];
        for (input, want) in cases {
            assert_eq!(clean(input.as_bytes()), want.as_bytes(), "clean({input:?})");
        }
    }

    #[test]
    fn dir_and_base_match_go() {
        assert_eq!(dir(b"a/b/c"), b"a/b");
        assert_eq!(dir(b"file/"), b"file");
        assert_eq!(dir(b"/"), b"/");
        assert_eq!(dir(b"a"), b".");
        assert_eq!(base(b"a/b/"), b"b");
        assert_eq!(base(b""), b".");
        assert_eq!(base(b"/"), b"/");
    }

    #[test]
    fn resolve_joins_cleans_and_keeps_a_trailing_slash() {
        assert_eq!(resolve("/app", "./x"), "/app/x");
        assert_eq!(resolve("/", "."), "/");
        assert_eq!(resolve("/", "/"), "/");
        assert_eq!(resolve("/app/", "x/"), "/app/x/");
        assert_eq!(resolve("", "x"), "/x");
    }

    #[test]
    fn decode_replaces_each_bad_byte() {
        assert_eq!(
            decode_runes(b"a\xff\xfeb"),
            vec!['a', '\u{fffd}', '\u{fffd}', 'b']
        );
        assert_eq!(trim_space(" \t x y\u{a0}".as_bytes()), b"x y");
    }
}
