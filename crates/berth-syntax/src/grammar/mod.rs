//! The grammar of one instruction, written with nom: BuildKit's `newNodeFromLine`
//! and the line parsers it dispatches to (`frontend/dockerfile/parser`).
//!
//! The line scanner ([`crate::scan`]) hands over a logical line (continuation lines
//! joined); [`node_from_line`] splits it into keyword, flags and arguments and parses
//! the arguments the way BuildKit's dispatch table says for that keyword. Every
//! token keeps where it was written (a range of the logical line) beside the value
//! BuildKit's parser gives it; the scanner maps the ranges back to the source.
//!
//! Each grammar rule is one small function named after the BuildKit function it
//! reproduces. BuildKit's quirks are kept on purpose: where Go walks bytes and turns
//! each into a rune (`extractBuilderFlags`, `parseHealthConfig`), the rule reads
//! bytes too (see [`split`]).

pub(crate) mod args;
pub(crate) mod directive;
pub(crate) mod heredoc;
pub(crate) mod json;
pub(crate) mod split;

use std::borrow::Cow;
use std::ops::Range;

use nom::{IResult, Offset};

use crate::ast::Keyword;
use crate::error::ErrorCode;

/// What the grammar's parsers return. They only need to say "no match": the callers
/// know what was expected, and an empty error keeps a failed alternative cheap.
pub(crate) type PResult<'a, T> = IResult<&'a str, T, ()>;

/// Go's `unicode.IsSpace` (the same set as Rust's `char::is_whitespace`).
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// BuildKit's `reWhitespace`, `[\t\v\f\r ]`: what separates a keyword from its
/// arguments and the words of FROM, EXPOSE, COPY, ADD and VOLUME.
pub(crate) fn is_re_ws(c: char) -> bool {
    matches!(c, '\t' | '\x0b' | '\x0c' | '\r' | ' ')
}

/// Go's `strings.TrimSpace`, as a part of `s` (an all-space `s` gives the empty text
/// at its end: the scanner maps the result back to a source offset).
pub(crate) fn trim(s: &str) -> &str {
    s.trim_start().trim_end()
}

/// The range `part` (a slice of `line`) covers in `line`.
pub(crate) fn range_in(line: &str, part: &str) -> Range<usize> {
    let start = line.offset(part);
    start..start + part.len()
}

/// A token of a logical line: the value BuildKit's parser gives it and where it was
/// written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    /// The value: the text as written (borrowed from the line), or text built from it
    /// (quotes and escapes removed, JSON decoded).
    pub value: Cow<'a, str>,
    /// The range of the logical line it was written in.
    pub range: Range<usize>,
}

impl<'a> Token<'a> {
    /// A token whose value is exactly the text `part` of `line`.
    pub(crate) fn verbatim(line: &'a str, part: &'a str) -> Token<'a> {
        Token {
            value: Cow::Borrowed(part),
            range: range_in(line, part),
        }
    }
}

/// BuildKit's `Node` for one instruction line.
#[derive(Debug, Default)]
pub(crate) struct LineNode<'a> {
    /// The keyword as written.
    pub keyword: &'a str,
    /// The known keyword it spells, if any.
    pub known: Option<Keyword>,
    /// The `--flag` words (quotes and escapes removed) and where each was written.
    pub flags: Vec<Token<'a>>,
    /// The argument nodes.
    pub args: Vec<Token<'a>>,
    /// True when the arguments were a JSON array (exec form).
    pub json: bool,
    /// ONBUILD's wrapped instruction.
    pub sub: Option<Box<LineNode<'a>>>,
    /// The argument text after the flags, trimmed.
    pub rest: &'a str,
}

/// A parser-stage error of one line.
#[derive(Debug)]
pub(crate) struct LineError {
    /// Which check failed.
    pub code: ErrorCode,
    /// BuildKit's message.
    pub message: String,
    /// The range of the logical line to blame.
    pub range: Range<usize>,
}

/// `newNodeFromLine`: parse the logical line `line` (`text` is `line` itself, or the
/// part of it that is ONBUILD's trigger) into a node. On an error the node holds what
/// was read before it (BuildKit stops there); the scanner keeps the node for the
/// tree and reports the error.
pub(crate) fn node_from_line<'a>(
    line: &'a str,
    text: &'a str,
    escape: char,
) -> (LineNode<'a>, Option<LineError>) {
    let command = split::split_command(trim(text), escape);
    let mut node = LineNode {
        keyword: command.keyword,
        flags: command
            .flags
            .into_iter()
            .map(|(value, written)| Token {
                value,
                range: range_in(line, written),
            })
            .collect(),
        rest: command.rest,
        ..LineNode::default()
    };
    let rest = node.rest;
    // BuildKit's dispatch table: the argument parser of each keyword.
    let Some(keyword) = Keyword::known(node.keyword) else {
        // `parseIgnore`: one empty argument node.
        node.args = as_written(line, [&rest[..0]]);
        return (node, None);
    };
    let error = match keyword {
        Keyword::Add | Keyword::Copy | Keyword::Volume => {
            args::maybe_json_to_list(line, rest, &mut node)
        }
        Keyword::Run | Keyword::Cmd | Keyword::Entrypoint | Keyword::Shell => {
            args::maybe_json(line, rest, &mut node)
        }
        Keyword::From | Keyword::Expose => {
            node.args = as_written(line, args::strings_whitespace_delimited(rest));
            None
        }
        Keyword::Env => args::name_val(line, rest, "ENV", escape, &mut node),
        Keyword::Label => args::name_val(line, rest, "LABEL", escape, &mut node),
        Keyword::Arg => {
            // `parseNameOrNameVal`: the words as written.
            node.args = as_written(line, args::words(rest, escape));
            None
        }
        Keyword::User | Keyword::Workdir | Keyword::Maintainer | Keyword::Stopsignal => {
            node.args = as_written(line, args::string(rest));
            None
        }
        Keyword::Healthcheck => args::health_config(line, rest, &mut node),
        Keyword::Onbuild if rest.is_empty() => None,
        Keyword::Onbuild => {
            // `parseSubCommand`: the rest is an instruction line of its own.
            let (sub, error) = node_from_line(line, rest, escape);
            node.sub = Some(Box::new(sub));
            error
        }
        // `Keyword::known` gives known keywords only.
        Keyword::Unknown(_) => None,
    };
    node.known = Some(keyword);
    (node, error)
}

/// Tokens of words of `line` whose values are the words as written.
fn as_written<'a>(line: &'a str, words: impl IntoIterator<Item = &'a str>) -> Vec<Token<'a>> {
    words
        .into_iter()
        .map(|word| Token::verbatim(line, word))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Text made of the characters the grammar's rules treat specially (spaces of
    /// every kind, quotes, both escape characters, dashes, and characters holding
    /// the bytes 0x85 and 0xA0).
    pub(crate) fn tricky_text() -> impl Strategy<Value = String> {
        const ALPHABET: [&str; 23] = [
            " ",
            "\t",
            "\n",
            "\x0b",
            "\r",
            "\x1c",
            "a",
            "=",
            "-",
            "--",
            "<",
            "\"",
            "'",
            "\\",
            "`",
            "\u{e9}",
            "\u{e0}",
            "\u{a0}",
            "\u{85}",
            "\u{805}",
            "\u{3000}",
            "\u{1f600}",
            "abcdefghij",
        ];
        proptest::collection::vec(proptest::sample::select(&ALPHABET[..]), 0..40)
            .prop_map(|parts| parts.concat())
    }

    #[test]
    fn trimming_an_all_space_text_gives_its_end() {
        let text = " \u{a0}\t";
        assert_eq!(range_in(text, trim(text)), text.len()..text.len());
        let text = "\u{3000} a b \u{2028}";
        assert_eq!(trim(text), "a b");
    }

    /// Tokens as `(value, written text)`.
    type Pairs = Vec<(String, String)>;

    /// The flags and arguments of one line.
    fn tokens(line: &str) -> (Pairs, Pairs) {
        let (node, error) = node_from_line(line, line, '\\');
        assert!(error.is_none(), "{line}: {error:?}");
        let pairs = |tokens: &[Token]| {
            tokens
                .iter()
                .map(|t| (t.value.to_string(), line[t.range.clone()].to_string()))
                .collect()
        };
        (pairs(&node.flags), pairs(&node.args))
    }

    #[test]
    fn lines_split_into_keyword_flags_and_arguments() {
        let (flags, args) = tokens("COPY --from=build --chown=\"a b\" src/ /dst/");
        assert_eq!(
            flags,
            [
                ("--from=build".into(), "--from=build".into()),
                ("--chown=a b".into(), "--chown=\"a b\"".into())
            ]
        );
        assert_eq!(
            args,
            [
                ("src/".into(), "src/".into()),
                ("/dst/".into(), "/dst/".into())
            ]
        );
        let (_, args) = tokens("RUN [\"echo\", \"a\\u00e9\"]");
        assert_eq!(
            args,
            [
                ("echo".into(), "\"echo\"".into()),
                ("a\u{e9}".into(), "\"a\\u00e9\"".into())
            ]
        );
        let (_, args) = tokens("nosuch thing");
        assert_eq!(args, [(String::new(), String::new())]);
    }

    #[test]
    fn onbuild_parses_its_trigger_as_a_line() {
        let line = "ONBUILD RUN --mount=type=cache,target=/x make";
        let (node, error) = node_from_line(line, line, '\\');
        assert!(error.is_none());
        let sub = node.sub.expect("a trigger");
        assert_eq!(sub.keyword, "RUN");
        assert_eq!(
            &line[sub.flags[0].range.clone()],
            "--mount=type=cache,target=/x"
        );
        assert_eq!(sub.rest, "make");
    }
}
