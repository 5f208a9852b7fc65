//! Heredoc markers (`heredocsFromLine` / `ParseHeredoc`): the logical line is split
//! into shell words with quotes and escapes kept (the escape character is always `\`
//! here, and variables are left as written), and each word of the form
//! `[fd]<<[-]NAME` is a heredoc.

use std::borrow::Cow;
use std::ops::Range;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_till1, take_while};
use nom::character::complete::{anychar, char, digit0, one_of};
use nom::combinator::{map, opt, rest, verify};
use nom::error::{ErrorKind, ParseError};
use nom::multi::fold_many1;
use nom::sequence::{pair, preceded, tuple};
use nom::IResult;

use super::{range_in, PResult};
use crate::go::go_quote;

/// A heredoc marker found in a logical line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Marker {
    /// The delimiter with its quotes removed.
    pub name: String,
    pub file_descriptor: u32,
    /// False when any part of the delimiter was quoted.
    pub expand: bool,
    /// `<<-`: leading tabs are stripped later.
    pub chomp: bool,
    /// The marker word in the logical line.
    pub range: Range<usize>,
}

/// A delimiter BuildKit's lexer rejects (BuildKit's message).
#[derive(Debug)]
pub(crate) struct MarkerError {
    pub message: String,
    pub range: Range<usize>,
}

/// The heredoc markers of a logical line.
pub(crate) fn markers(line: &str) -> Result<Vec<Marker>, MarkerError> {
    // BuildKit ignores a line its lexer rejects: no words, no heredocs.
    let Ok(words) = shell_words(line, Quotes::Kept) else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for (word, range) in words {
        if let Some(marker) = marker(&word, range)? {
            found.push(marker);
        }
    }
    Ok(found)
}

/// The parts of a marker word, `^(\d*)<<(-?)([^<]+)$`: the file descriptor's digits,
/// whether it chomps (`<<-`) and the delimiter as written. Also how BuildKit tells a
/// COPY or ADD source that names a heredoc (`MustParseHeredoc`).
pub(crate) fn marker_parts(word: &str) -> Option<(&str, bool, &str)> {
    let parts: PResult<_> = tuple((
        digit0,
        tag("<<"),
        opt(char('-')),
        verify(rest, |delimiter: &str| {
            !delimiter.is_empty() && !delimiter.contains('<')
        }),
    ))(word);
    let (_, (digits, _, chomp, delimiter)) = parts.ok()?;
    Some((digits, chomp.is_some(), delimiter))
}

/// `ParseHeredoc` of one word of the line (quotes and escapes kept): the marker, if
/// the word is one. The delimiter must lex to exactly one word.
fn marker(word: &str, range: Range<usize>) -> Result<Option<Marker>, MarkerError> {
    let Some((digits, chomp, delimiter)) = marker_parts(word) else {
        return Ok(None);
    };
    // Go's `ParseUint(.., 10, 0)`: an out-of-range number gives 0.
    let file_descriptor = digits.parse::<u32>().unwrap_or(0);
    let lex_error = |e: String| MarkerError {
        message: format!("failed to process {}: {e}", go_quote(delimiter)),
        range: range.clone(),
    };
    let unquoted = shell_words(delimiter, Quotes::Removed).map_err(lex_error)?;
    let [(name, _)] = unquoted.as_slice() else {
        return Ok(None);
    };
    let quoted = shell_words(delimiter, Quotes::Kept).map_err(lex_error)?;
    let [(written, _)] = quoted.as_slice() else {
        return Err(MarkerError {
            message: format!(
                "internal lexing of heredoc produced inconsistent results: {delimiter}"
            ),
            range,
        });
    };
    let quotes = |s: &str| s.bytes().filter(|&b| b == b'\'' || b == b'"').count();
    Ok(Some(Marker {
        expand: quotes(name) == quotes(written),
        name: name.clone(),
        file_descriptor,
        chomp,
        range,
    }))
}

/// Whether the words of [`shell_words`] keep their quotes and escapes (BuildKit's
/// raw lexer) or lose them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quotes {
    Kept,
    Removed,
}

/// Why the shell lexer stopped: no match (the caller tries something else), or a
/// quote left open (BuildKit's message).
#[derive(Debug, PartialEq, Eq)]
enum LexError {
    NoMatch,
    Unterminated(&'static str),
}

impl<I> ParseError<I> for LexError {
    fn from_error_kind(_: I, _: ErrorKind) -> Self {
        LexError::NoMatch
    }

    fn append(_: I, _: ErrorKind, other: Self) -> Self {
        other
    }
}

type LexResult<'a, T> = IResult<&'a str, T, LexError>;

/// BuildKit's shell lexer in word-splitting mode, reduced to what heredoc detection
/// needs: the non-empty words of `text` and where each was written.
fn shell_words(text: &str, quotes: Quotes) -> Result<Vec<(String, Range<usize>)>, String> {
    let mut words = Vec::new();
    let mut input = text;
    loop {
        let Ok((start, _)) = take_while::<_, _, ()>(char::is_whitespace)(input) else {
            unreachable!("take_while accepts any text")
        };
        if start.is_empty() {
            return Ok(words);
        }
        match shell_word(start, quotes) {
            Ok((after, word)) => {
                if !word.is_empty() {
                    let written = &start[..start.len() - after.len()];
                    words.push((word, range_in(text, written)));
                }
                input = after;
            }
            Err(nom::Err::Failure(LexError::Unterminated(message))) => {
                return Err(message.to_string())
            }
            Err(_) => unreachable!("a word has at least one character"),
        }
    }
}

/// One word: quoted parts, escapes and other characters up to whitespace.
fn shell_word(input: &str, quotes: Quotes) -> LexResult<'_, String> {
    fold_many1(
        alt((
            |i| single_quoted(i, quotes),
            |i| double_quoted(i, quotes),
            |i| escaped(i, quotes),
            map(
                take_till1(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '\\')),
                Cow::Borrowed,
            ),
        )),
        String::new,
        |mut word, part| {
            word.push_str(&part);
            word
        },
    )(input)
}

/// `'...'`: literal up to the closing quote, which must come.
fn single_quoted(input: &str, quotes: Quotes) -> LexResult<'_, Cow<'_, str>> {
    let (after_quote, _) = char('\'')(input)?;
    let (after_body, body) = take_till(|c| c == '\'')(after_quote)?;
    let (after, _) = char::<_, LexError>('\'')(after_body).map_err(|_| {
        nom::Err::Failure(LexError::Unterminated(
            "unexpected end of statement while looking for matching single-quote",
        ))
    })?;
    let part = match quotes {
        Quotes::Kept => &input[..input.len() - after.len()],
        Quotes::Removed => body,
    };
    Ok((after, Cow::Borrowed(part)))
}

/// `"..."`: `\` escapes `"`, `$` and `\` only (before anything else it stays, and
/// the raw lexer writes it twice); the closing quote must come.
fn double_quoted(input: &str, quotes: Quotes) -> LexResult<'_, Cow<'_, str>> {
    let (mut input, _) = char('"')(input)?;
    let mut part = String::new();
    if quotes == Quotes::Kept {
        part.push('"');
    }
    loop {
        if let Ok((after, _)) = char::<_, LexError>('"')(input) {
            if quotes == Quotes::Kept {
                part.push('"');
            }
            return Ok((after, Cow::Owned(part)));
        }
        if let Ok((after, escaped)) =
            preceded(char::<_, LexError>('\\'), opt(one_of("\"$\\")))(input)
        {
            if quotes == Quotes::Kept {
                part.push('\\');
            }
            part.push(escaped.unwrap_or('\\'));
            input = after;
        } else if let Ok((after, text)) =
            take_till1::<_, _, LexError>(|c| c == '"' || c == '\\')(input)
        {
            part.push_str(text);
            input = after;
        } else {
            return Err(nom::Err::Failure(LexError::Unterminated(
                "unexpected end of statement while looking for matching double-quote",
            )));
        }
    }
}

/// `\` and the character it makes literal (nothing at the very end).
fn escaped(input: &str, quotes: Quotes) -> LexResult<'_, Cow<'_, str>> {
    let (after, _) = pair(char('\\'), opt(anychar))(input)?;
    let written = &input[..input.len() - after.len()];
    let part = match quotes {
        Quotes::Kept => written,
        Quotes::Removed => &written[1..],
    };
    Ok((after, Cow::Borrowed(part)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<(String, u32, bool, bool)> {
        markers(line)
            .unwrap()
            .into_iter()
            .map(|m| (m.name, m.file_descriptor, m.expand, m.chomp))
            .collect()
    }

    #[test]
    fn finds_markers() {
        assert_eq!(
            names(r#"RUN <<-A 3<<"B" cat"#),
            [("A".into(), 0, true, true), ("B".into(), 3, false, false)]
        );
        assert_eq!(
            names("RUN <<eo'f' <<$EOF"),
            [
                ("eof".into(), 0, false, false),
                ("$EOF".into(), 0, true, false)
            ]
        );
        assert!(names("RUN cat x<<EOF <<A<<B <<< <<").is_empty());
        assert!(names(r#"RUN echo "<<EOF""#).is_empty());
        assert!(names("RUN echo it's <<EOF").is_empty());
        assert_eq!(
            names(r#"RUN <<"E\"F" <<E\ F"#),
            [
                ("E\"F".into(), 0, false, false),
                ("E F".into(), 0, true, false)
            ]
        );
    }

    #[test]
    fn words_keep_or_lose_their_quotes() {
        let text = r#"a'b c'd "e\"f\x" g\ h \"#;
        let kept: Vec<String> = shell_words(text, Quotes::Kept)
            .unwrap()
            .into_iter()
            .map(|w| w.0)
            .collect();
        assert_eq!(kept, [r#"a'b c'd"#, r#""e\"f\\x""#, r"g\ h", "\\"]);
        let removed: Vec<(String, Range<usize>)> = shell_words(text, Quotes::Removed).unwrap();
        assert_eq!(
            removed,
            [
                ("ab cd".into(), 0..7),
                ("e\"f\\x".into(), 8..16),
                ("g h".into(), 17..21)
            ]
        );
        assert_eq!(
            shell_words("a 'b", Quotes::Kept),
            Err("unexpected end of statement while looking for matching single-quote".into())
        );
        assert_eq!(
            shell_words("\"b\\", Quotes::Removed),
            Err("unexpected end of statement while looking for matching double-quote".into())
        );
    }

    #[test]
    fn unbalanced_quotes_end_the_search_or_fail_the_delimiter() {
        // A line the lexer rejects has no heredocs.
        assert!(names(r#"RUN <<"EOF"#).is_empty());
        let err = marker("<<'EOF", 4..10).unwrap_err();
        assert_eq!(
            err.message,
            "failed to process \"'EOF\": unexpected end of statement while looking for matching single-quote"
        );
        assert_eq!(err.range, 4..10);
    }
}
