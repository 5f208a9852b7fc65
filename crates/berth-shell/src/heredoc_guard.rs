//! Which here-documents can never be terminated, so that their text never reaches
//! brush-parser.
//!
//! A here-document's body starts after the first unescaped newline that follows its
//! operator (`<<` or `<<-`) in shell text, and ends at a line holding its tag. When no such
//! newline follows the operator, the body never starts: the script is malformed in any
//! shell (ShellCheck, hadolint's parser, rejects it). brush-parser 0.4 rejects most such
//! text too, but with some tags it loops without end, pushing tokens until memory runs out
//! (found by the `shell` fuzz target): an empty tag (`<<""`), a tag holding an unclosed
//! `$(`, or a tag followed by a comment that runs to the end of the text
//! (`a <<$(  #\`, `echo $(cat <<"" #\`). Rather than chase each form of that loop, text
//! with such an operator goes to the fallback tokenizer.
//!
//! The scan follows brush-parser's tokenizer where it matters: quotes, escapes, comments,
//! arithmetic (`$((`, `((`, `$[`, where `<<` is a shift), here-strings (`<<<`), and the
//! constructs whose inside brush tokenizes at the same level (`$(`, `${`). Backquoted text
//! is skipped: brush keeps it raw, and berth-shell parses it again on its own, through the
//! same guard.

/// What encloses the byte being scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Context {
    /// Shell words and operators: the top level, or inside `$(` (closed by `)`).
    Shell { closer: Option<u8> },
    /// Inside `${`: words and operators, but `#` is never a comment (`${#var}`).
    Brace,
    /// Inside double quotes: `<<` is text, but `$(` and `${` open shell contexts.
    Double,
    /// Arithmetic (`$((`, `((`, `$[`): `<<` is a shift. `depth` counts open brackets.
    Arithmetic { open: u8, close: u8, depth: u32 },
}

/// True when `text` holds a here-document operator with no unescaped newline after it in
/// shell text, so that its body can never start: `cat <<EOF` is, `cat <<EOF` followed by
/// a line break is not, and neither are `"a <<b"`, `$((1 << 2))` or `<<<x`.
pub(crate) fn has_unterminable_here_document(text: &str) -> bool {
    if !text.contains("<<") {
        return false;
    }
    let bytes = text.as_bytes();
    let mut stack = vec![Context::Shell { closer: None }];
    // A here-document operator is waiting for the newline that starts its body.
    let mut waiting = false;
    // The next byte starts a token, where `#` opens a comment.
    let mut token_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        let next = bytes.get(i + 1).copied();
        let context = *stack.last().unwrap_or(&Context::Shell { closer: None });
        match context {
            Context::Shell { .. } | Context::Brace => {
                let top_level = context == Context::Shell { closer: None };
                let starts_token = token_start;
                token_start = false;
                match byte {
                    // An escaped byte, or a line continuation: neither is a newline.
                    b'\\' => i += 1,
                    b'\'' => i = closing_quote(bytes, i + 1, false),
                    b'"' => stack.push(Context::Double),
                    b'`' => i = closing_backquote(bytes, i + 1),
                    b'$' if next == Some(b'\'') => i = closing_quote(bytes, i + 2, true),
                    b'$' => {
                        if let Some(opened) = dollar(bytes, i) {
                            stack.push(opened.context);
                            i += opened.len;
                            token_start = matches!(opened.context, Context::Shell { .. });
                            continue;
                        }
                    }
                    b'#' if starts_token && context != Context::Brace => {
                        // A comment, up to (not including) the newline.
                        i = bytes[i..]
                            .iter()
                            .position(|&b| b == b'\n')
                            .map_or(bytes.len(), |p| i + p);
                        continue;
                    }
                    b'\n' => {
                        waiting = false;
                        token_start = true;
                    }
                    b'<' if next == Some(b'<') => {
                        if bytes.get(i + 2) == Some(&b'<') {
                            // A here-string: no body.
                            i += 3;
                        } else {
                            waiting = true;
                            i += 2;
                        }
                        token_start = true;
                        continue;
                    }
                    b'(' if next == Some(b'(') => {
                        stack.push(Context::Arithmetic {
                            open: b'(',
                            close: b')',
                            depth: 2,
                        });
                        i += 2;
                        continue;
                    }
                    b')' if context == (Context::Shell { closer: Some(b')') }) => {
                        stack.pop();
                        token_start = true;
                    }
                    b'}' if context == Context::Brace => {
                        stack.pop();
                    }
                    // Inside `$(`, brush-parser keeps a blank as part of the next token,
                    // so a `#` after one is text there; at the top level it opens a comment.
                    b' ' | b'\t' => token_start = top_level,
                    b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => token_start = true,
                    _ => {}
                }
            }
            Context::Double => match byte {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'`' => i = closing_backquote(bytes, i + 1),
                b'$' => {
                    if let Some(opened) = dollar(bytes, i) {
                        stack.push(opened.context);
                        i += opened.len;
                        token_start = matches!(opened.context, Context::Shell { .. });
                        continue;
                    }
                }
                _ => {}
            },
            Context::Arithmetic { open, close, depth } => {
                if byte == open {
                    stack.pop();
                    stack.push(Context::Arithmetic {
                        open,
                        close,
                        depth: depth + 1,
                    });
                } else if byte == close {
                    stack.pop();
                    if depth > 1 {
                        stack.push(Context::Arithmetic {
                            open,
                            close,
                            depth: depth - 1,
                        });
                    }
                }
            }
        }
        i += 1;
    }
    waiting
}

/// A construct opened by `$`: which context it opens and how many bytes open it.
struct Opened {
    context: Context,
    len: usize,
}

/// What the `$` at `at` opens: `$((` and `$[` arithmetic, `$(` a command substitution,
/// `${` a parameter expansion. `None` for anything else.
fn dollar(bytes: &[u8], at: usize) -> Option<Opened> {
    match (bytes.get(at + 1), bytes.get(at + 2)) {
        (Some(b'('), Some(b'(')) => Some(Opened {
            context: Context::Arithmetic {
                open: b'(',
                close: b')',
                depth: 2,
            },
            len: 3,
        }),
        (Some(b'('), _) => Some(Opened {
            context: Context::Shell { closer: Some(b')') },
            len: 2,
        }),
        (Some(b'['), _) => Some(Opened {
            context: Context::Arithmetic {
                open: b'[',
                close: b']',
                depth: 1,
            },
            len: 2,
        }),
        (Some(b'{'), _) => Some(Opened {
            context: Context::Brace,
            len: 2,
        }),
        _ => None,
    }
}

/// The index of the `'` closing a single-quoted string whose text starts at `from` (the
/// end of the text when it is never closed). In `$'...'` strings (`ansi_c`) a backslash
/// escapes the next byte; in plain ones it is text.
fn closing_quote(bytes: &[u8], from: usize, ansi_c: bool) -> usize {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if ansi_c => i += 1,
            b'\'' => return i,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// The index of the closing backquote of a backquoted string starting at `from` (the end
/// of the text when it is never closed).
fn closing_backquote(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'`' => return i,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::has_unterminable_here_document as unterminable;

    #[test]
    fn an_operator_without_a_newline_after_it_is_unterminable() {
        for text in [
            "cat <<EOF",
            "cat <<-EOF > /x",
            "cat <<\"\" ",
            "a <<$(  #\\",
            "echo $(cat <<\"\" #\\",
            "cat <<\"\" #\\",
            "execB<\u{2}<$($(6<<<<<$(\"\0$((      #",
            // Escaped newlines are line continuations, not line ends.
            "a <<\"\" \\\n\\\n",
            // A newline inside quotes does not start the body.
            "cat <<x 'a\nb'",
            "cat <<x \"a\nb\"",
            // Nor does one inside a backquoted string.
            "cat <<x `a\nb`",
            // The second operator waits for a newline the first one got.
            "cat <<a\nbody\na\ncat <<b",
            // Inside `$(` and `${` the operators are read at the same level.
            "echo $(cat <<EOF)",
            "echo \"${x:-$(cat <<EOF)}\"",
        ] {
            assert!(unterminable(text), "{text:?}");
        }
    }

    #[test]
    fn terminated_or_not_here_documents_are_not() {
        for text in [
            "",
            "echo hi",
            "cat <<EOF\nbody\nEOF",
            "cat <<EOF\n",
            "cat <<'' \n",
            "x $(y <<EOF #\nEOF\n)",
            // Here-strings, shifts and quoted or commented text hold no operator.
            "cat <<<x",
            "echo $((1 << 2)) $[1<<3] && (( x <<= 1 ))",
            "echo \"a <<b\" 'c <<d' \\<<e",
            "echo hi # see <<x",
            "echo `cat <<x`",
            "echo ${#x} <<EOF\nEOF",
            "printf $'a\\'<<b'",
        ] {
            assert!(!unterminable(text), "{text:?}");
        }
    }
}
