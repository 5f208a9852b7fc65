//! Word scanning: hadolint's "simplified" value of a shell word, and where its command
//! substitutions are.
//!
//! hadolint (through ShellCheck's AST) reads an argument as the concatenation of its
//! parts with quotes removed, every parameter expansion written `${name}`, a command
//! substitution written `${` + its command words + `}` and arithmetic or backticks
//! written `${VAR}`. Rules such as DL3008 then look for `=` or `/` in that value.

/// Deeper nesting than this is copied verbatim instead of being scanned (no input may
/// exhaust the stack).
pub(crate) const MAX_DEPTH: usize = 48;

/// The scan result of one word.
pub(crate) struct Scanned {
    /// hadolint's simplified value.
    pub value: String,
    /// True when the word is a literal string: only plain characters, quotes and
    /// escapes, no expansion and no glob (ShellCheck's `getLiteralString`).
    pub literal: bool,
}

/// Called for every command substitution (`$(...)` or backticks) with the inner text and
/// its byte offset in the script; returns the simplified text of the inner commands.
pub(crate) type SubstFn<'a> = dyn FnMut(&str, usize) -> String + 'a;

/// Scan a raw word written at byte `offset` of the script.
pub(crate) fn scan(raw: &str, offset: usize, depth: usize, subst: &mut SubstFn<'_>) -> Scanned {
    let mut out = Scanned {
        value: String::with_capacity(raw.len()),
        literal: true,
    };
    if depth > MAX_DEPTH {
        out.value.push_str(raw);
        out.literal = false;
        return out;
    }
    let mut scanner = Scanner {
        raw,
        offset,
        depth,
        subst,
    };
    scanner.unquoted(&mut out);
    out
}

struct Scanner<'r, 's, 'f> {
    raw: &'r str,
    offset: usize,
    depth: usize,
    subst: &'s mut SubstFn<'f>,
}

impl Scanner<'_, '_, '_> {
    fn unquoted(&mut self, out: &mut Scanned) {
        let bytes = self.raw.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => {
                    // `\x` is `x`; a backslash-newline disappears.
                    match char_at(self.raw, i + 1) {
                        Some('\n') => i += 2,
                        Some(c) => {
                            out.value.push(c);
                            i += 1 + c.len_utf8();
                        }
                        None => i += 1,
                    }
                }
                b'\'' => {
                    let end = find_byte(bytes, i + 1, b'\'');
                    out.value.push_str(&self.raw[i + 1..end]);
                    i = (end + 1).min(bytes.len());
                }
                b'"' => i = self.double_quoted(i + 1, out),
                b'$' if bytes.get(i + 1) == Some(&b'\'') => {
                    // ANSI-C quoting: ShellCheck keeps the text undecoded.
                    let end = ansi_c_end(bytes, i + 2);
                    out.value.push_str(&self.raw[i + 2..end]);
                    i = (end + 1).min(bytes.len());
                }
                b'$' if bytes.get(i + 1) == Some(&b'"') => i = self.double_quoted(i + 2, out),
                b'$' => i = self.dollar(i, out),
                b'`' => i = self.backtick(i, out),
                b'*' | b'?' => {
                    out.literal = false;
                    out.value.push(bytes[i] as char);
                    i += 1;
                }
                b'[' if self.raw[i + 1..].contains(']') => {
                    out.literal = false;
                    out.value.push('[');
                    i += 1;
                }
                _ => {
                    let next = next_special(bytes, i + 1, b"\\'\"$`*?[");
                    out.value.push_str(&self.raw[i..next]);
                    i = next;
                }
            }
        }
    }

    /// Scan a double-quoted string whose content starts at `i`; returns the index after
    /// the closing quote.
    fn double_quoted(&mut self, mut i: usize, out: &mut Scanned) -> usize {
        let bytes = self.raw.as_bytes();
        while i < bytes.len() {
            match bytes[i] {
                b'"' => return i + 1,
                b'\\' => match char_at(self.raw, i + 1) {
                    Some('\n') => i += 2,
                    Some(c @ ('$' | '`' | '"' | '\\')) => {
                        out.value.push(c);
                        i += 2;
                    }
                    Some(c) => {
                        out.value.push('\\');
                        out.value.push(c);
                        i += 1 + c.len_utf8();
                    }
                    None => i += 1,
                },
                b'$' => i = self.dollar(i, out),
                b'`' => i = self.backtick(i, out),
                _ => {
                    let next = next_special(bytes, i + 1, b"\"\\$`");
                    out.value.push_str(&self.raw[i..next]);
                    i = next;
                }
            }
        }
        i
    }

    /// Scan an expansion starting with the `$` at `i`; returns the index after it.
    fn dollar(&mut self, i: usize, out: &mut Scanned) -> usize {
        let bytes = self.raw.as_bytes();
        match bytes.get(i + 1) {
            Some(b'(') if bytes.get(i + 2) == Some(&b'(') => {
                out.literal = false;
                out.value.push_str("${VAR}");
                after(matching_close(bytes, i + 3, b'(', b')', 2), bytes)
            }
            Some(b'(') => self.braced(i, b'(', b')', out, |scanner, inner, at| {
                (scanner.subst)(inner, at)
            }),
            Some(b'[') => {
                out.literal = false;
                out.value.push_str("${VAR}");
                after(matching_close(bytes, i + 2, b'[', b']', 1), bytes)
            }
            Some(b'{') => self.braced(i, b'{', b'}', out, |scanner, inner, at| {
                scan(inner, at, scanner.depth + 1, scanner.subst).value
            }),
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                out.literal = false;
                let end = bytes[i + 1..]
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                    .map_or(bytes.len(), |p| i + 1 + p);
                out.value.push_str("${");
                out.value.push_str(&self.raw[i + 1..end]);
                out.value.push('}');
                end
            }
            Some(c) if c.is_ascii_digit() || b"@*#?-$!".contains(c) => {
                out.literal = false;
                out.value.push_str("${");
                out.value.push(*c as char);
                out.value.push('}');
                i + 2
            }
            _ => {
                out.value.push('$');
                i + 1
            }
        }
    }

    /// Scan `$(...)` or `${...}` starting at the `$` at `i`: the value is `${` + what
    /// `inner` makes of the enclosed text + `}`. Returns the index after the closer.
    fn braced(
        &mut self,
        i: usize,
        open: u8,
        close: u8,
        out: &mut Scanned,
        inner: impl FnOnce(&mut Self, &str, usize) -> String,
    ) -> usize {
        let bytes = self.raw.as_bytes();
        out.literal = false;
        let end = matching_close(bytes, i + 2, open, close, 1);
        let raw = self.raw;
        let text = inner(
            self,
            &raw[i + 2..end.unwrap_or(bytes.len())],
            self.offset + i + 2,
        );
        out.value.push_str("${");
        out.value.push_str(&text);
        out.value.push('}');
        after(end, bytes)
    }

    /// Scan a backtick substitution starting at `i`; returns the index after it.
    fn backtick(&mut self, i: usize, out: &mut Scanned) -> usize {
        let bytes = self.raw.as_bytes();
        let mut end = i + 1;
        while end < bytes.len() && bytes[end] != b'`' {
            end += if bytes[end] == b'\\' { 2 } else { 1 };
        }
        let end = end.min(bytes.len());
        (self.subst)(&self.raw[i + 1..end], self.offset + i + 1);
        out.literal = false;
        out.value.push_str("${VAR}");
        (end + 1).min(bytes.len())
    }
}

fn char_at(s: &str, i: usize) -> Option<char> {
    s.get(i..).and_then(|rest| rest.chars().next())
}

/// Index of the next `byte` at or after `from`, or the length.
fn find_byte(bytes: &[u8], from: usize, byte: u8) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|b| *b == byte))
        .map_or(bytes.len(), |p| from + p)
}

/// End of a `$'...'` string whose content starts at `from` (backslash escapes skipped).
fn ansi_c_end(bytes: &[u8], mut from: usize) -> usize {
    while from < bytes.len() {
        match bytes[from] {
            b'\\' => from += 2,
            b'\'' => return from,
            _ => from += 1,
        }
    }
    bytes.len()
}

fn next_special(bytes: &[u8], from: usize, special: &[u8]) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|b| special.contains(b)))
        .map_or(bytes.len(), |p| from + p)
}

/// The index after an optional closing byte, or the end of the text.
fn after(close: Option<usize>, bytes: &[u8]) -> usize {
    close.map_or(bytes.len(), |c| c + 1)
}

/// Index of the `close` that balances `depth` already-open `open`s, scanning from `from`
/// and skipping quoted text; `None` when unbalanced. For `$((` the caller passes `depth`
/// 2 and gets the second `)` of `))`.
pub(crate) fn matching_close(
    bytes: &[u8],
    from: usize,
    open: u8,
    close: u8,
    depth: usize,
) -> Option<usize> {
    let mut depth = depth;
    let mut i = from;
    while i < bytes.len() {
        let b = bytes[i];
        if b == close {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        } else if b == open {
            depth += 1;
        } else {
            match b {
                b'\\' => i += 1,
                b'\'' => i = find_byte(bytes, i + 1, b'\''),
                b'"' => i = double_quote_end(bytes, i + 1),
                b'`' => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'`' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// Index of the closing `"` of a double-quoted string whose content starts at `from`.
fn double_quote_end(bytes: &[u8], mut from: usize) -> usize {
    while from < bytes.len() {
        match bytes[from] {
            b'\\' => from += 2,
            b'"' => return from,
            b'$' if bytes.get(from + 1) == Some(&b'(') => {
                from = after(matching_close(bytes, from + 2, b'(', b')', 1), bytes);
            }
            _ => from += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simple(raw: &str) -> (String, bool, Vec<(String, usize)>) {
        let mut subs = Vec::new();
        let s = scan(raw, 10, 0, &mut |inner, off| {
            subs.push((inner.to_string(), off));
            inner.replace(' ', "")
        });
        (s.value, s.literal, subs)
    }

    #[test]
    fn quotes_are_removed() {
        assert_eq!(simple(r#""ba"r'baz'\-x"#).0, "barbaz-x");
        assert!(simple(r#""ba"r'baz'\-x"#).1);
        assert_eq!(simple(r#""a\"b\c""#).0, r#"a"b\c"#);
        assert_eq!(simple("$'a\\nb'").0, "a\\nb");
    }

    #[test]
    fn expansions_are_written_with_braces() {
        assert_eq!(simple("foo=$V").0, "foo=${V}");
        assert_eq!(simple("${V:-x}y").0, "${V:-x}y");
        assert_eq!(simple("\"$1\"").0, "${1}");
        assert_eq!(simple("$((1+2))").0, "${VAR}");
        assert_eq!(simple("a`date`").0, "a${VAR}");
        assert!(!simple("$V").1);
        assert_eq!(simple("cost$").0, "cost$");
    }

    #[test]
    fn substitutions_report_inner_text_and_offset() {
        let (value, literal, subs) = simple("x$(uname -r)y");
        assert_eq!(value, "x${uname-r}y");
        assert!(!literal);
        assert_eq!(subs, vec![("uname -r".to_string(), 13)]);
        let (_, _, subs) = simple("\"$(a \"$(b)\")\"");
        assert_eq!(subs[0].0, "a \"$(b)\"");
    }

    #[test]
    fn globs_are_not_literal() {
        assert!(!simple("*.deb").1);
        assert!(!simple("a[bc]").1);
        assert!(simple("a[b").1);
        assert!(simple("'*'").1);
    }

    #[test]
    fn unterminated_input_does_not_panic() {
        for raw in [
            "'abc",
            "\"abc",
            "$(abc",
            "${abc",
            "`abc",
            "\\",
            "$",
            "$((1",
            "é\\é$'é",
        ] {
            simple(raw);
        }
    }
}
