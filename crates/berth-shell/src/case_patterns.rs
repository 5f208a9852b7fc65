//! `case` patterns inside `$( )`, made readable to the shell parser.
//!
//! A `case` pattern closes with `)` and usually opens with nothing (`x86_64) echo amd64;;`).
//! Inside a command substitution, brush-parser takes that `)` for the end of the `$( )` and
//! rejects the whole script, so every command of the RUN was lost (ShellCheck, hadolint's
//! parser, reads it fine). Bash allows an optional `(` before each pattern; writing it in
//! place of the blank before the pattern balances the parentheses without moving a single
//! byte, so every span the parser reports still points into the original text.

use std::borrow::Cow;

/// Where the scan is inside one open `case`.
enum State {
    /// Between `case` and `in`.
    Subject,
    /// Where a pattern (or `esac`) is expected.
    Pattern,
    /// In the commands of a branch, with the depth of parentheses opened there.
    Body(usize),
}

/// `text` with an opening `(` before every `case` pattern that lacks one, written over the
/// space or tab before it. Unchanged when there is no `case`, or when a pattern has no such
/// blank (then the parser judges the text as written).
pub(crate) fn open_case_patterns(text: &str) -> Cow<'_, str> {
    if !text.contains("case") {
        return Cow::Borrowed(text);
    }
    let b = text.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut stack: Vec<State> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        // A pattern may start with a quote: read it before quotes are skipped.
        if let Some(state @ State::Pattern) = stack.last_mut() {
            if c.is_ascii_whitespace() {
                i += 1;
                continue;
            }
            if word_at(b, i, "esac") {
                stack.pop();
                i += 4;
                continue;
            }
            if c != b'(' {
                if i == 0 || !matches!(b[i - 1], b' ' | b'\t') {
                    return Cow::Borrowed(text);
                }
                out.get_or_insert_with(|| b.to_vec())[i - 1] = b'(';
            }
            let Some(end) = pattern_end(b, if c == b'(' { i + 1 } else { i }) else {
                return Cow::Borrowed(text);
            };
            *state = State::Body(0);
            i = end + 1;
            continue;
        }
        match c {
            b'\\' => {
                i += 2;
                continue;
            }
            b'\'' | b'"' => {
                i = skip_quoted(b, i);
                continue;
            }
            b'#' if i == 0 || is_blank_or_op(b[i - 1]) => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        match stack.last_mut() {
            Some(state @ State::Subject) => {
                if word_at(b, i, "in") {
                    *state = State::Pattern;
                    i += 2;
                    continue;
                }
            }
            Some(State::Body(depth)) => {
                if b[i..].starts_with(b";;&")
                    || b[i..].starts_with(b";;")
                    || b[i..].starts_with(b";&")
                {
                    let len = if b[i..].starts_with(b";;&") { 3 } else { 2 };
                    if *depth == 0 {
                        *stack.last_mut().expect("a case is open") = State::Pattern;
                    }
                    i += len;
                    continue;
                }
                if *depth == 0 && word_at(b, i, "esac") {
                    stack.pop();
                    i += 4;
                    continue;
                }
                if c == b'(' {
                    *depth += 1;
                } else if c == b')' {
                    if *depth == 0 {
                        return Cow::Borrowed(text);
                    }
                    *depth -= 1;
                }
            }
            Some(State::Pattern) | None => {}
        }
        if word_at(b, i, "case") {
            stack.push(State::Subject);
            i += 4;
            continue;
        }
        i += 1;
    }
    match out {
        // Only ASCII blanks were replaced by an ASCII byte: still UTF-8.
        Some(bytes) => String::from_utf8(bytes).map_or(Cow::Borrowed(text), Cow::Owned),
        None => Cow::Borrowed(text),
    }
}

/// The index just past the quoted string opening at `i`.
fn skip_quoted(b: &[u8], i: usize) -> usize {
    let quote = b[i];
    let mut j = i + 1;
    while j < b.len() && b[j] != quote {
        if quote == b'"' && b[j] == b'\\' {
            j += 1;
        }
        j += 1;
    }
    j + 1
}

/// Index of the `)` closing the pattern that starts at `i` (alternatives, quotes and
/// escapes skipped); `None` when there is none.
fn pattern_end(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'\'' | b'"' => i = skip_quoted(b, i),
            b')' => return Some(i),
            b'\n' | b';' | b'(' => return None,
            _ => i += 1,
        }
    }
    None
}

fn is_blank_or_op(c: u8) -> bool {
    c.is_ascii_whitespace() || matches!(c, b';' | b'&' | b'|' | b'(' | b')')
}

/// Whether the reserved word `word` stands at `i` on its own.
fn word_at(b: &[u8], i: usize, word: &str) -> bool {
    let end = i + word.len();
    b[i..].starts_with(word.as_bytes())
        && (i == 0 || is_blank_or_op(b[i - 1]))
        && (end == b.len() || is_blank_or_op(b[end]))
}

#[cfg(test)]
mod tests {
    use super::open_case_patterns;

    #[test]
    fn patterns_get_their_opening_parenthesis_in_place() {
        let text =
            r#"V=$(case "$(uname -m)" in x86_64) echo amd64;; *) echo arm64;; esac) && cd /tmp"#;
        let open = open_case_patterns(text);
        assert_eq!(
            open,
            r#"V=$(case "$(uname -m)" in(x86_64) echo amd64;;(*) echo arm64;; esac) && cd /tmp"#
        );
        assert_eq!(open.len(), text.len());
    }

    #[test]
    fn nested_quoted_and_already_open_patterns() {
        let text = "case $a in (x) echo;; 'y)'|z) case $b in  q) true;; esac;; esac";
        assert_eq!(
            open_case_patterns(text),
            "case $a in (x) echo;;('y)'|z) case $b in (q) true;; esac;; esac"
        );
        // A word that only contains `case`, and text without blanks to write over.
        assert_eq!(open_case_patterns("echo lowercase x)"), "echo lowercase x)");
        assert_eq!(
            open_case_patterns("case a in\nx) y;; esac"),
            "case a in\nx) y;; esac"
        );
    }
}
