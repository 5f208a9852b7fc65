//! `splitCommand` and `extractBuilderFlags` (`split_command.go`): a line's keyword,
//! its leading `--flag` words and the argument text after them.
//!
//! Go's flag loop reads the line byte by byte and turns each byte into a rune, so
//! it takes the bytes 0x85 and 0xA0 for spaces even inside a UTF-8 character, and
//! builds a flag from non-ASCII bytes as Latin-1 characters (`--x=é` becomes
//! `--x=Ã©`). The flag grammar below reads bytes for that reason; positions it
//! ends at are moved to the next character boundary, so the tokens stay slices of
//! the line.

use std::borrow::Cow;

use nom::branch::alt;
use nom::bytes::complete::{take_till, take_while, take_while1};
use nom::character::complete::{char, satisfy};
use nom::combinator::{map, opt, recognize};
use nom::multi::many0_count;
use nom::number::complete::u8 as any_byte;
use nom::sequence::{pair, preceded, terminated};
use nom::{IResult, Offset};

use super::{is_re_ws, trim, PResult};

/// What the byte-level rules return.
type BytesResult<'a, T> = IResult<&'a [u8], T, ()>;

/// A line split by [`split_command`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SplitCommand<'a> {
    /// The keyword as written.
    pub keyword: &'a str,
    /// Each flag as BuildKit builds it (quotes and escapes removed) and the text it
    /// was written as.
    pub flags: Vec<(Cow<'a, str>, &'a str)>,
    /// The argument text after the flags, trimmed.
    pub rest: &'a str,
}

/// `splitCommand` of a trimmed line: the keyword runs up to the first
/// `reWhitespace` character; the flags and the arguments follow the whitespace.
pub(crate) fn split_command(line: &str, escape: char) -> SplitCommand<'_> {
    let keyword_and_args: PResult<(&str, &str)> =
        pair(take_till(is_re_ws), take_while(is_re_ws))(line);
    let Ok((args, (keyword, _))) = keyword_and_args else {
        unreachable!("take_till and take_while accept any text")
    };
    let (flags, rest) = builder_flags(args, escape as u8);
    SplitCommand {
        keyword,
        flags,
        rest: trim(rest),
    }
}

/// `unicode.IsSpace(rune(b))` for one byte, the test of BuildKit's byte loops
/// (`extractBuilderFlags`, `parseHealthConfig`).
pub(crate) fn byte_is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xa0)
}

/// The first character boundary of `text` at or after byte `at`.
pub(crate) fn ceil_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// `extractBuilderFlags`: the leading words of `args` that start with `--` and the
/// text after them. A word that is `--` once quotes and escapes are removed ends the
/// flags and is dropped.
fn builder_flags(args: &str, escape: u8) -> (Vec<(Cow<'_, str>, &str)>, &str) {
    let bytes = args.as_bytes();
    // The text of `args` from byte `at` of it (moved to a character boundary).
    let from = |at: &[u8]| &args[ceil_char_boundary(args, bytes.offset(at))..];
    let mut flags = Vec::new();
    let mut input = bytes;
    loop {
        let Ok((word, _)) = take_while::<_, _, ()>(byte_is_space)(input) else {
            unreachable!("take_while accepts any bytes")
        };
        if !word.starts_with(b"--") {
            return (flags, from(word));
        }
        let Ok((after, written)) = flag_word(word, escape) else {
            unreachable!("a flag word may be empty")
        };
        let value = flag_value(written, escape);
        if value == "--" {
            return (flags, from(after));
        }
        // The word starts at `--` (a character boundary); its end may not be one.
        let written_text = &args[bytes.offset(word)..args.offset(from(after))];
        flags.push((value, written_text));
        // Past the space byte that ended the word (if any).
        input = after.get(1..).unwrap_or(after);
    }
}

/// One flag word as written: every byte up to a space byte outside quotes.
fn flag_word(input: &[u8], escape: u8) -> BytesResult<'_, &[u8]> {
    recognize(many0_count(|i| flag_piece(i, escape)))(input)
}

/// A part of a flag word.
enum FlagPiece<'a> {
    /// Bytes taken as they are.
    Bytes(&'a [u8]),
    /// The escape character and the byte it makes literal (none at the very end:
    /// a lone escape there is dropped).
    Escaped(Option<u8>),
    /// What lies between two quotes (or after a quote left open): the quotes
    /// themselves are removed, escapes still apply.
    Quoted(&'a [u8]),
}

/// The quote characters of flag words and of `parseWords`.
fn is_quote(b: u8) -> bool {
    b == b'\'' || b == b'"'
}

/// One [`FlagPiece`]: an escaped byte, a quoted part, or a run of other bytes up to a
/// space.
fn flag_piece(input: &[u8], escape: u8) -> BytesResult<'_, FlagPiece<'_>> {
    alt((
        map(|i| escaped_byte(i, escape), FlagPiece::Escaped),
        map(|i| quoted_bytes(i, escape), FlagPiece::Quoted),
        map(
            take_while1(|b| !byte_is_space(b) && !is_quote(b) && b != escape),
            FlagPiece::Bytes,
        ),
    ))(input)
}

/// The escape character and the byte after it, if any.
fn escaped_byte(input: &[u8], escape: u8) -> BytesResult<'_, Option<u8>> {
    preceded(char(escape as char), opt(any_byte))(input)
}

/// A quote, then escaped bytes and other bytes up to the same quote or the end; the
/// body between the quotes.
fn quoted_bytes(input: &[u8], escape: u8) -> BytesResult<'_, &[u8]> {
    let (input, quote) = satisfy(|c| c == '\'' || c == '"')(input)?;
    let body = recognize(many0_count(alt((
        recognize(|i| escaped_byte(i, escape)),
        take_while1(move |b| b != quote as u8 && b != escape),
    ))));
    terminated(body, opt(char(quote)))(input)
}

/// The flag BuildKit builds from a flag word: quotes removed, escaped bytes taken
/// literally, every byte a character of its own. Borrowed when that is the text as
/// written (plain ASCII, no quotes or escapes: nearly every flag).
fn flag_value(written: &[u8], escape: u8) -> Cow<'_, str> {
    let plain = |b: &u8| b.is_ascii() && !is_quote(*b) && *b != escape;
    if written.iter().all(plain) {
        if let Ok(text) = std::str::from_utf8(written) {
            return Cow::Borrowed(text);
        }
    }
    let mut word = String::with_capacity(written.len());
    let mut input = written;
    while let Ok((rest, piece)) = flag_piece(input, escape) {
        match piece {
            FlagPiece::Bytes(bytes) => push_latin1(&mut word, bytes),
            FlagPiece::Escaped(byte) => word.extend(byte.map(char::from)),
            FlagPiece::Quoted(body) => push_unescaped(&mut word, body, escape),
        }
        input = rest;
    }
    Cow::Owned(word)
}

/// The body of a quoted part of a flag, escapes applied.
fn push_unescaped(word: &mut String, mut body: &[u8], escape: u8) {
    loop {
        let Ok((rest, bytes)) = take_till::<_, _, ()>(|b| b == escape)(body) else {
            unreachable!("take_till accepts any bytes")
        };
        push_latin1(word, bytes);
        let Ok((rest, byte)) = escaped_byte(rest, escape) else {
            return;
        };
        word.extend(byte.map(char::from));
        body = rest;
    }
}

/// Each byte as the character of the same number (Go's `rune(line[pos])`).
fn push_latin1(word: &mut String, bytes: &[u8]) {
    word.extend(bytes.iter().map(|&b| char::from(b)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grammar::tests::tricky_text;
    use proptest::prelude::*;

    #[test]
    fn keyword_flags_and_rest() {
        let split = split_command(r#"COPY  --from=a --x="y z" -- --not b"#, '\\');
        assert_eq!(split.keyword, "COPY");
        let flags: Vec<(&str, &str)> = split.flags.iter().map(|(v, w)| (&**v, *w)).collect();
        assert_eq!(
            flags,
            [("--from=a", "--from=a"), ("--x=y z", r#"--x="y z""#)]
        );
        assert_eq!(split.rest, "--not b");
        let split = split_command("RUN", '\\');
        assert_eq!((split.keyword, split.rest), ("RUN", ""));
        let split = split_command("RUN\u{a0}x -y", '\\');
        assert_eq!((split.keyword, split.rest), ("RUN\u{a0}x", "-y"));
    }

    #[test]
    fn flags_are_built_from_bytes_like_go() {
        // Escapes apply inside quotes too; a lone escape at the end is dropped.
        let split = split_command(r#"X --a="b\"c" --d=e\"#, '\\');
        let values: Vec<&str> = split.flags.iter().map(|(v, _)| &**v).collect();
        assert_eq!(values, ["--a=b\"c", "--d=e"]);
        // Non-ASCII bytes become Latin-1 characters; the byte 0xA0 of `à` ends the word,
        // and the written text takes in the rest of the character.
        let split = split_command("X --a=é --b=à c", '\\');
        let flags: Vec<(&str, &str)> = split.flags.iter().map(|(v, w)| (&**v, *w)).collect();
        assert_eq!(
            flags,
            [("--a=\u{c3}\u{a9}", "--a=é"), ("--b=\u{c3}", "--b=à")]
        );
        assert_eq!(split.rest, "c");
        // A word that is `--` once its quotes are removed also ends the flags.
        let split = split_command("X --a --'' --b", '`');
        assert_eq!(split.flags.len(), 1);
        assert_eq!(split.rest, "--b");
    }

    /// `extractBuilderFlags` written plainly, one byte at a time, building every flag
    /// as a string: the flags (text and where the word starts) and where the rest
    /// starts.
    fn flags_one_byte_at_a_time(s: &str, escape: u8) -> (Vec<(String, usize)>, usize) {
        let b = s.as_bytes();
        let mut flags = Vec::new();
        let mut pos = 0;
        loop {
            while pos < b.len() && byte_is_space(b[pos]) {
                pos += 1;
            }
            if !b[pos..].starts_with(b"--") {
                return (flags, pos);
            }
            let start = pos;
            let mut word = String::new();
            let mut quote = None;
            loop {
                let Some(&c) = b.get(pos) else {
                    if word != "--" {
                        flags.push((word, start));
                    }
                    return (flags, pos);
                };
                pos += 1;
                match quote {
                    None if byte_is_space(c) => {
                        if word == "--" {
                            return (flags, pos - 1);
                        }
                        flags.push((word, start));
                        break;
                    }
                    None if c == b'\'' || c == b'"' => quote = Some(c),
                    Some(q) if c == q => quote = None,
                    _ if c == escape => match b.get(pos) {
                        Some(&next) => {
                            word.push(next as char);
                            pos += 1;
                        }
                        None => quote = None,
                    },
                    _ => word.push(c as char),
                }
            }
        }
    }

    proptest! {
        #[test]
        fn flags_match_the_byte_loop(text in tricky_text(), flags in 0..3usize) {
            let text = format!("{}{text}", "--a=\"b c\" ".repeat(flags));
            for escape in [b'\\', b'`'] {
                let (got, rest) = builder_flags(&text, escape);
                let (want, rest_start) = flags_one_byte_at_a_time(&text, escape);
                prop_assert_eq!(text.offset(rest), ceil_char_boundary(&text, rest_start));
                let got: Vec<(String, usize)> =
                    got.iter().map(|(v, w)| (v.to_string(), text.offset(w))).collect();
                prop_assert_eq!(got, want);
            }
        }
    }
}
