//! The tokenizer used when the shell parser rejects a text (PowerShell, templates,
//! unterminated quotes): words split on blanks and control operators, grouped into
//! simple commands. It finds the same commands as the parser on ordinary text, so rules
//! keep working on scripts that are almost shell.

use crate::parse::Builder;
use crate::script::{AndOr, AndOrList, List, Node, Pipeline};
use crate::word::matching_close;
use crate::{Command, Redirect, RedirectKind, Span};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(usize, usize),
    /// `;`, `&`, newline, `;;`, `(`, `)`: ends a list item.
    Sep,
    And,
    Or,
    Pipe(usize, usize),
    Redirect(RedirectKind),
}

/// Words that open or close compound commands and never name a command.
const RESERVED: [&str; 16] = [
    "if", "then", "elif", "else", "fi", "do", "done", "while", "until", "for", "case", "esac",
    "in", "{", "}", "!",
];

pub(crate) fn tokenize(builder: &mut Builder, text: &str, base: usize, depth: usize) -> List {
    let toks = lex(text);
    let mut list = List::default();
    let mut current: Option<AndOrList> = None;
    let mut pending_op: Option<AndOr> = None;
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Sep => {
                list.items.extend(current.take());
                pending_op = None;
                i += 1;
            }
            Tok::And | Tok::Or => {
                pending_op = Some(if toks[i] == Tok::And {
                    AndOr::And
                } else {
                    AndOr::Or
                });
                i += 1;
            }
            Tok::Pipe(..) => i += 1,
            Tok::Word(..) | Tok::Redirect(_) => {
                let mut pipeline = Pipeline {
                    negated: false,
                    stages: Vec::new(),
                };
                loop {
                    let (index, next) = command(builder, text, base, depth, &toks, i);
                    i = next;
                    if let Some(index) = index {
                        pipeline.stages.push(Node::Simple(index));
                    }
                    match toks.get(i) {
                        Some(Tok::Pipe(s, e)) => {
                            builder.pipes.push(Span::new(base + s, base + e));
                            i += 1;
                        }
                        _ => break,
                    }
                }
                match (&mut current, pending_op.take()) {
                    (Some(and_or), Some(op)) => and_or.rest.push((op, pipeline)),
                    (slot, _) => {
                        list.items.extend(slot.take());
                        *slot = Some(AndOrList {
                            first: pipeline,
                            rest: Vec::new(),
                        });
                    }
                }
            }
        }
    }
    list.items.extend(current);
    list
}

/// Read one simple command starting at token `i`; returns its index (if it has words)
/// and the index of the first token after it.
fn command(
    builder: &mut Builder,
    text: &str,
    base: usize,
    depth: usize,
    toks: &[Tok],
    mut i: usize,
) -> (Option<usize>, usize) {
    let index = builder.reserve();
    let mut assignments = Vec::new();
    let mut words = Vec::new();
    let mut redirects = Vec::new();
    while let Some(tok) = toks.get(i) {
        match tok {
            Tok::Word(s, e) => {
                let (s, e) = (*s, *e);
                let raw = &text[s..e];
                let span = Span::new(base + s, base + e);
                if words.is_empty() && RESERVED.contains(&raw) {
                    // `for x in a b` and `case x in` name no command.
                    if raw == "for" || raw == "case" {
                        while matches!(toks.get(i + 1), Some(Tok::Word(..))) {
                            i += 1;
                        }
                    }
                } else if words.is_empty() && is_assignment(raw) {
                    assignments.push(builder.word(raw, span, 0, depth));
                } else {
                    let id = words.len().saturating_sub(1);
                    words.push(builder.word(raw, span, id, depth));
                }
                i += 1;
            }
            Tok::Redirect(kind) => {
                let target = match toks.get(i + 1) {
                    Some(Tok::Word(s, e)) => {
                        i += 1;
                        let span = Span::new(base + s, base + e);
                        Some(builder.word(&text[*s..*e], span, 0, depth))
                    }
                    _ => None,
                };
                redirects.push(Redirect {
                    kind: kind.clone(),
                    target,
                });
                i += 1;
            }
            _ => break,
        }
    }
    if words.is_empty() && assignments.is_empty() && redirects.is_empty() {
        builder.commands.remove(index);
        // Commands of substitutions cannot have been added: there were no words.
        return (None, i);
    }
    builder.commands[index] = Command::new(base, assignments, words, redirects);
    (Some(index), i)
}

fn is_assignment(raw: &str) -> bool {
    match raw.find('=') {
        Some(p) if p > 0 => {
            let name = raw[..p].strip_suffix('+').unwrap_or(&raw[..p]);
            let mut chars = name.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        _ => false,
    }
}

fn lex(text: &str) -> Vec<Tok> {
    let bytes = text.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let two = bytes.get(i + 1).copied();
        match b {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\n' | b';' | b'(' | b')' => {
                toks.push(Tok::Sep);
                i += if b == b';' && two == Some(b';') { 2 } else { 1 };
            }
            b'#' => {
                // A comment runs to the end of the line.
                i = bytes[i..]
                    .iter()
                    .position(|c| *c == b'\n')
                    .map_or(bytes.len(), |p| i + p);
            }
            b'&' if two == Some(b'&') => {
                toks.push(Tok::And);
                i += 2;
            }
            b'&' if two == Some(b'>') => {
                toks.push(Tok::Redirect(RedirectKind::File));
                i += if bytes.get(i + 2) == Some(&b'>') {
                    3
                } else {
                    2
                };
            }
            b'&' => {
                toks.push(Tok::Sep);
                i += 1;
            }
            b'|' if two == Some(b'|') => {
                toks.push(Tok::Or);
                i += 2;
            }
            b'|' => {
                let len = if two == Some(b'&') { 2 } else { 1 };
                toks.push(Tok::Pipe(i, i + len));
                i += len;
            }
            b'<' | b'>' => i = redirect(bytes, i, &mut toks),
            _ => {
                let end = word_end(bytes, i);
                // `2>file`: a descriptor number glued to a redirection operator.
                let is_fd = bytes[i..end].iter().all(u8::is_ascii_digit)
                    && matches!(bytes.get(end), Some(b'<' | b'>'));
                if !is_fd {
                    toks.push(Tok::Word(i, end));
                }
                i = end.max(i + 1);
            }
        }
    }
    toks
}

/// Lex a redirection operator at `i`; returns the index after it.
fn redirect(bytes: &[u8], i: usize, toks: &mut Vec<Tok>) -> usize {
    let rest = &bytes[i..];
    let (kind, len) = if rest.starts_with(b"<<<") {
        (RedirectKind::HereString, 3)
    } else if rest.starts_with(b"<<-") {
        (RedirectKind::Heredoc, 3)
    } else if rest.starts_with(b"<<") {
        (RedirectKind::Heredoc, 2)
    } else if rest.starts_with(b">&") || rest.starts_with(b"<&") {
        (RedirectKind::Duplicate, 2)
    } else if rest.starts_with(b">>") || rest.starts_with(b">|") || rest.starts_with(b"<>") {
        (RedirectKind::File, 2)
    } else {
        (RedirectKind::File, 1)
    };
    toks.push(Tok::Redirect(kind));
    i + len
}

/// End of the word starting at `i`: quotes, escapes and `$( )`, `${ }`, backticks kept whole.
fn word_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')' => {
                return i
            }
            b'\\' => i += 2,
            b'\'' => {
                i = bytes[i + 1..]
                    .iter()
                    .position(|c| *c == b'\'')
                    .map_or(bytes.len(), |p| i + 2 + p);
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'`' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'`' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'$' if matches!(bytes.get(i + 1), Some(b'(' | b'{')) => {
                let (open, close) = if bytes[i + 1] == b'(' {
                    (b'(', b')')
                } else {
                    (b'{', b'}')
                };
                i = matching_close(bytes, i + 2, open, close, 1).map_or(bytes.len(), |c| c + 1);
            }
            _ => i += 1,
        }
    }
    bytes.len().min(i)
}

#[cfg(test)]
mod tests {
    use crate::parse::Builder;

    fn names(text: &str) -> Vec<String> {
        let mut b = Builder::default();
        super::tokenize(&mut b, text, 0, 0);
        b.commands
            .iter()
            .filter_map(|c| c.name().map(str::to_string))
            .collect()
    }

    #[test]
    fn splits_on_operators() {
        assert_eq!(
            names("a x && b 'y z' || c | d; (e) & f 2>&1 > out"),
            ["a", "b", "c", "d", "e", "f"]
        );
        assert_eq!(names("for x in a b; do g; done; A=1 h"), ["g", "h"]);
        assert_eq!(names("i \"$(j)\" # k"), ["i", "j"]);
    }

    #[test]
    fn unterminated_text_does_not_panic() {
        for text in [
            "'a", "\"a\\", "$(a", "`a", "a \\", "é'é", ">", "2>", "<<<", "a|",
        ] {
            names(text);
        }
    }
}
