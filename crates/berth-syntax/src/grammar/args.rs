//! BuildKit's per-instruction argument parsers (`line_parsers.go`). Each takes the
//! argument text after the flags (`rest`, trimmed) and fills in the node's
//! arguments; `line` is the whole logical line the tokens' ranges refer to.

use nom::branch::alt;
use nom::bytes::complete::{take_till, take_till1, take_while, take_while1};
use nom::character::complete::{anychar, char};
use nom::combinator::{opt, recognize, rest as remaining};
use nom::multi::{many0_count, many1_count, separated_list0};
use nom::sequence::{pair, preceded, tuple};
use nom::IResult;

use super::json::{self, JsonArray};
use super::split::{byte_is_space, ceil_char_boundary};
use super::{is_re_ws, is_space, range_in, LineError, LineNode, PResult, Token};
use crate::error::ErrorCode;
use crate::go::go_quote;

/// `parseWords`: the words of `rest` split on whitespace outside quotes, each as
/// written (quotes and escapes kept). A lone escape character at the very end is
/// dropped, so it never makes a word of its own.
pub(crate) fn words(rest: &str, escape: char) -> impl Iterator<Item = &str> {
    let mut input = rest;
    std::iter::from_fn(move || {
        let next: PResult<&str> = preceded(take_while(is_space), |i| word(i, escape))(input);
        let (after, word) = next.ok()?;
        input = after;
        Some(word)
    })
}

/// One word of [`words`]: quoted parts, escaped characters and other text up to
/// whitespace outside quotes.
fn word(input: &str, escape: char) -> PResult<'_, &str> {
    recognize(many1_count(alt((
        |i| escaped_char(i, escape),
        single_quoted,
        |i| double_quoted(i, escape),
        take_till1(move |c| is_space(c) || c == '\'' || c == '"' || c == escape),
    ))))(input)
}

/// The escape character and the character it makes literal (whitespace and quotes
/// included).
fn escaped_char(input: &str, escape: char) -> PResult<'_, &str> {
    recognize(pair(char(escape), anychar))(input)
}

/// `'...'`: everything up to the closing quote (or the end) is literal.
fn single_quoted(input: &str) -> PResult<'_, &str> {
    recognize(tuple((
        char('\''),
        take_till(|c| c == '\''),
        opt(char('\'')),
    )))(input)
}

/// `"..."`: the escape character keeps the next character inside the quotes; the
/// quote runs to its closing quote, or to the end (a lone escape at the very end is
/// left out, as [`words`] drops it).
fn double_quoted(input: &str, escape: char) -> PResult<'_, &str> {
    recognize(tuple((
        char('"'),
        many0_count(alt((
            |i| escaped_char(i, escape),
            take_till1(move |c| c == '"' || c == escape),
        ))),
        opt(char('"')),
    )))(input)
}

/// `parseStringsWhitespaceDelimited` (FROM, EXPOSE, and COPY, ADD and VOLUME in
/// shell form): `rest` split on runs of `reWhitespace`.
pub(crate) fn strings_whitespace_delimited(rest: &str) -> Vec<&str> {
    let words: PResult<Vec<&str>> =
        separated_list0(take_while1(is_re_ws), take_till1(is_re_ws))(rest);
    words.map(|(_, words)| words).unwrap_or_default()
}

/// `parseString` (USER, WORKDIR, MAINTAINER, STOPSIGNAL): the whole text as one
/// argument, none when it is empty.
pub(crate) fn string(rest: &str) -> Option<&str> {
    (!rest.is_empty()).then_some(rest)
}

/// `parseMaybeJSON` (RUN, CMD, ENTRYPOINT, SHELL): a JSON array of strings (exec
/// form), else the whole text as one argument.
pub(crate) fn maybe_json<'a>(
    line: &'a str,
    rest: &'a str,
    node: &mut LineNode<'a>,
) -> Option<LineError> {
    if rest.is_empty() {
        return None;
    }
    json_or(line, rest, node, |node| {
        node.args.push(Token::verbatim(line, rest));
    })
}

/// `parseMaybeJSONToList` (COPY, ADD, VOLUME): a JSON array of strings, else the
/// words of [`strings_whitespace_delimited`].
pub(crate) fn maybe_json_to_list<'a>(
    line: &'a str,
    rest: &'a str,
    node: &mut LineNode<'a>,
) -> Option<LineError> {
    json_or(line, rest, node, |node| {
        let words = strings_whitespace_delimited(rest);
        node.args
            .extend(words.into_iter().map(|w| Token::verbatim(line, w)));
    })
}

/// `parseJSON` of `rest`, or `otherwise` when it is not a JSON array. An array with
/// an element that is not a string is BuildKit's hard error.
fn json_or<'a>(
    line: &'a str,
    rest: &'a str,
    node: &mut LineNode<'a>,
    otherwise: impl FnOnce(&mut LineNode<'a>),
) -> Option<LineError> {
    match json::string_array(rest) {
        JsonArray::Strings(items) => {
            node.args
                .extend(items.into_iter().map(|(value, written)| Token {
                    value,
                    range: range_in(line, written),
                }));
            node.json = true;
            None
        }
        JsonArray::NotStrings => Some(LineError {
            code: ErrorCode::JsonNotStrings,
            message: "when using JSON array syntax, arrays must be comprised of strings only"
                .to_string(),
            range: range_in(line, rest),
        }),
        JsonArray::Invalid => {
            otherwise(node);
            None
        }
    }
}

/// `parseHealthConfig`: the type word, then the rest like [`maybe_json`].
pub(crate) fn health_config<'a>(
    line: &'a str,
    rest: &'a str,
    node: &mut LineNode<'a>,
) -> Option<LineError> {
    let (kind, command) = health_type(rest);
    if kind.is_empty() {
        return None;
    }
    node.args.push(Token::verbatim(line, kind));
    maybe_json(line, command, node)
}

/// `parseHealthConfig`'s split into the type and the command. Go tests single bytes
/// for spaces here (see [`byte_is_space`]); each end found is moved to the next
/// character boundary before the next step reads on from it.
fn health_type(rest: &str) -> (&str, &str) {
    let bytes = rest.as_bytes();
    let type_end = ceil_char_boundary(rest, leading_bytes(bytes, |b| !byte_is_space(b)));
    let spaces = leading_bytes(&bytes[type_end..], byte_is_space);
    let command_start = ceil_char_boundary(rest, type_end + spaces);
    (&rest[..type_end], &rest[command_start..])
}

/// How many leading bytes of `input` are `wanted`.
fn leading_bytes(input: &[u8], wanted: impl Fn(u8) -> bool) -> usize {
    let run: IResult<&[u8], &[u8], ()> = take_while(wanted)(input);
    run.map_or(0, |(_, run)| run.len())
}

/// `parseNameVal` (ENV, LABEL): `key, value, separator` triples. When the first word
/// has no `=`, the legacy form `KEY name value` holds one pair, split once on
/// whitespace (quotes kept, separator empty); otherwise every word must be
/// `name=value` (separator `=`). Values keep their quotes and escapes.
pub(crate) fn name_val<'a>(
    line: &'a str,
    rest: &'a str,
    key: &str,
    escape: char,
    node: &mut LineNode<'a>,
) -> Option<LineError> {
    let mut words = words(rest, escape);
    let first = words.next()?;
    if !first.contains('=') {
        let Ok((_, (name, value))) = legacy_name_value(rest) else {
            return Some(LineError {
                code: ErrorCode::MissingValue,
                message: format!("{key} must have two arguments"),
                range: range_in(line, rest),
            });
        };
        let separator = &rest[name.len()..name.len()];
        for part in [name, value, separator] {
            node.args.push(Token::verbatim(line, part));
        }
        return None;
    }
    for word in std::iter::once(first).chain(words) {
        let Ok((_, (name, equals, value))) = name_equals_value(word) else {
            node.args.clear();
            return Some(LineError {
                code: ErrorCode::MissingEquals,
                message: format!(
                    "Syntax error - can't find = in {}. Must be of the form: name=value",
                    go_quote(word)
                ),
                range: range_in(line, word),
            });
        };
        for part in [name, value, equals] {
            node.args.push(Token::verbatim(line, part));
        }
    }
    None
}

/// The legacy `name value` of ENV and LABEL: the text split at its first run of
/// `reWhitespace`.
fn legacy_name_value(rest: &str) -> PResult<'_, (&str, &str)> {
    pair(
        take_till1(is_re_ws),
        preceded(take_while1(is_re_ws), remaining),
    )(rest)
}

/// `name=value`, split at the first `=`: the name, the `=` and the value.
fn name_equals_value(word: &str) -> PResult<'_, (&str, &str, &str)> {
    tuple((take_till(|c| c == '='), recognize(char('=')), remaining))(word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grammar::tests::tricky_text;
    use proptest::prelude::*;

    /// ENV's argument values and error message for one line.
    fn env(rest: &str) -> (Vec<String>, Option<String>) {
        let mut node = LineNode::default();
        let error = name_val(rest, rest, "ENV", '\\', &mut node);
        let args = node.args.iter().map(|t| t.value.to_string());
        (args.collect(), error.map(|e| e.message))
    }

    #[test]
    fn name_val_forms_are_decided_by_the_first_word() {
        // New form: key, value and separator for every word.
        assert_eq!(env("a=1 b=\"x y\"").0, ["a", "1", "=", "b", "\"x y\"", "="]);
        // Legacy form: the first word has no `=`, the rest is split on whitespace
        // regardless of quotes (later words are not looked at).
        assert_eq!(env("k v w=1 \"q").0, ["k", "v w=1 \"q", ""]);
        assert_eq!(env("\"a b\" c").0, ["\"a", "b\" c", ""]);
        assert_eq!(env("k").1.as_deref(), Some("ENV must have two arguments"));
        // A later word without `=` is an error and leaves no arguments.
        let (args, err) = env("a=1 b c=2");
        assert!(args.is_empty());
        assert_eq!(
            err.as_deref(),
            Some("Syntax error - can't find = in \"b\". Must be of the form: name=value")
        );
        assert_eq!(env(""), (Vec::new(), None));
    }

    #[test]
    fn quote_aware_words_keep_quotes() {
        let words = |rest, escape| words(rest, escape).collect::<Vec<_>>();
        assert_eq!(
            words(r#"a="b c" d\ e f\"#, '\\'),
            [r#"a="b c""#, r"d\ e", "f"]
        );
        assert_eq!(words(r#"'' x"#, '\\'), ["''", "x"]);
        assert_eq!(words(r#""a\"b" 'c\'"#, '\\'), [r#""a\"b""#, r"'c\'"]);
        assert_eq!(words("\"ab\\", '\\'), ["\"ab"]);
        assert_eq!(words(" \\", '\\'), Vec::<&str>::new());
        assert_eq!(words("a`\u{a0}b `", '`'), ["a`\u{a0}b"]);
    }

    #[test]
    fn health_check_type_is_split_at_space_bytes() {
        assert_eq!(health_type("CMD  curl x"), ("CMD", "curl x"));
        assert_eq!(health_type("NONE"), ("NONE", ""));
        // The byte 0xA0 of U+00A0 counts as a space; the type keeps the character.
        assert_eq!(health_type("CMD\u{a0} x"), ("CMD\u{a0}", "x"));
    }

    /// `parseWords` written plainly, one character at a time: the word ranges.
    fn words_one_char_at_a_time(s: &str, escape: char) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        let mut chars = s.char_indices().peekable();
        let (mut start, mut word_end) = (0, 0);
        let mut in_word = false;
        let mut quote = None;
        let mut blank_ok = false;
        while let Some((i, ch)) = chars.next() {
            let after = i + ch.len_utf8();
            if let Some(q) = quote {
                if ch == q {
                    quote = None;
                    word_end = after;
                } else if ch == escape && q != '\'' {
                    match chars.next() {
                        Some((j, next)) => word_end = j + next.len_utf8(),
                        None => quote = None,
                    }
                } else {
                    word_end = after;
                }
                continue;
            }
            if is_space(ch) {
                if in_word && (blank_ok || word_end > start) {
                    out.push(start..word_end);
                }
                in_word = false;
                blank_ok = false;
                continue;
            }
            if !in_word {
                in_word = true;
                start = i;
                word_end = i;
            }
            if ch == '\'' || ch == '"' {
                quote = Some(ch);
                blank_ok = true;
                word_end = after;
            } else if ch == escape {
                if let Some((j, next)) = chars.next() {
                    word_end = j + next.len_utf8();
                }
            } else {
                word_end = after;
            }
        }
        if in_word && (blank_ok || word_end > start) {
            out.push(start..word_end);
        }
        out
    }

    proptest! {
        #[test]
        fn words_match_the_character_loop(text in tricky_text()) {
            for escape in ['\\', '`'] {
                let got: Vec<_> = words(&text, escape).map(|w| range_in(&text, w)).collect();
                prop_assert_eq!(got, words_one_char_at_a_time(&text, escape));
            }
        }

        #[test]
        fn whitespace_splitting_matches_the_regexp(text in tricky_text()) {
            let rest = super::super::trim(&text);
            let want: Vec<&str> = rest
                .split(['\t', '\x0b', '\x0c', '\r', ' '])
                .filter(|w| !w.is_empty())
                .collect();
            prop_assert_eq!(strings_whitespace_delimited(rest), want);
        }
    }
}
