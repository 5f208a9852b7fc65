//! `parseJSON`: the exec form. BuildKit decodes the argument text with Go's
//! `encoding/json` decoder, which reads the first JSON value and ignores what
//! follows it. The grammar here follows Go's accept/reject edges rather than a
//! general JSON parser's: its nesting limit, numbers out of float64 range failing
//! the decode, lone surrogates decoded to U+FFFD.

use std::borrow::Cow;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_till1, take_while, take_while_m_n};
use nom::character::complete::{anychar, char, digit0, digit1, one_of, satisfy};
use nom::combinator::{consumed, map, map_res, opt, recognize, value, verify};
use nom::multi::fold_many0;
use nom::sequence::{pair, preceded, tuple};

use super::PResult;

/// A decoded string and the text it was written as (quotes included).
pub(crate) type JsonString<'a> = (Cow<'a, str>, &'a str);

/// What `parseJSON` makes of a text.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum JsonArray<'a> {
    /// An array of strings: each decoded value and the text it was written as
    /// (quotes included). Values without escapes are borrowed.
    Strings(Vec<JsonString<'a>>),
    /// A valid JSON array with an element that is not a string: BuildKit's hard error.
    NotStrings,
    /// Not a JSON array: BuildKit falls back to the instruction's other form.
    Invalid,
}

/// Go's `encoding/json` nesting limit.
const MAX_DEPTH: usize = 10_000;

/// `parseJSON` of a text already left-trimmed.
pub(crate) fn string_array(text: &str) -> JsonArray<'_> {
    match array(text) {
        Ok((_, Some(strings))) => JsonArray::Strings(strings),
        Ok((_, None)) => JsonArray::NotStrings,
        Err(_) => JsonArray::Invalid,
    }
}

/// One element of the outer array.
enum Element<'a> {
    String(Cow<'a, str>, &'a str),
    Other,
}

/// `[` elements separated by `,` `]`: the strings, or `None` when an element is not
/// a string. Text after the closing bracket is not looked at.
fn array(input: &str) -> PResult<'_, Option<Vec<JsonString<'_>>>> {
    let (mut input, _) = pair(char('['), whitespace)(input)?;
    let mut strings = Some(Vec::new());
    if let Ok((after, _)) = char::<_, ()>(']')(input) {
        return Ok((after, strings));
    }
    loop {
        let (after, element) = preceded(whitespace, element)(input)?;
        match element {
            Element::String(value, written) => {
                if let Some(strings) = &mut strings {
                    strings.push((value, written));
                }
            }
            Element::Other => strings = None,
        }
        let (after, separator) = preceded(whitespace, one_of(",]"))(after)?;
        input = after;
        if separator == ']' {
            return Ok((input, strings));
        }
    }
}

/// A string (decoded, with the text it was written as) or any other value.
fn element(input: &str) -> PResult<'_, Element<'_>> {
    alt((
        map(consumed(string), |(written, value)| {
            Element::String(value, written)
        }),
        map(|i| any_value(i, 2), |()| Element::Other),
    ))(input)
}

/// JSON whitespace.
fn whitespace(input: &str) -> PResult<'_, &str> {
    take_while(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))(input)
}

/// Any JSON value at nesting `depth` (the outer array's elements are at depth 2),
/// checked but not kept. Nested arrays and objects are followed with a stack of their
/// closing brackets rather than by recursion, so that no input can exhaust the call
/// stack; Go's nesting limit applies.
fn any_value(mut input: &str, depth: usize) -> PResult<'_, ()> {
    let mut closing_brackets: Vec<char> = Vec::new();
    loop {
        // A value is expected here.
        input = whitespace(input)?.0;
        if let Ok((after, opening)) = one_of::<_, _, ()>("[{")(input) {
            if depth + closing_brackets.len() > MAX_DEPTH {
                return Err(nom::Err::Error(()));
            }
            let closing = if opening == '[' { ']' } else { '}' };
            let (after, _) = whitespace(after)?;
            if let Ok((after, _)) = char::<_, ()>(closing)(after) {
                input = after;
            } else {
                closing_brackets.push(closing);
                input = if opening == '{' {
                    object_key(after)?.0
                } else {
                    after
                };
                continue;
            }
        } else {
            input = scalar(input)?.0;
        }
        // A value is complete: close containers until one takes another element.
        loop {
            let Some(&closing) = closing_brackets.last() else {
                return Ok((input, ()));
            };
            let (after, next) = preceded(whitespace, anychar)(input)?;
            input = after;
            if next == ',' {
                if closing == '}' {
                    input = object_key(input)?.0;
                }
                break;
            }
            if next != closing {
                return Err(nom::Err::Error(()));
            }
            closing_brackets.pop();
        }
    }
}

/// `"key" :` inside an object.
fn object_key(input: &str) -> PResult<'_, ()> {
    value((), tuple((whitespace, string, whitespace, char(':'))))(input)
}

/// A string, number, `true`, `false` or `null`.
fn scalar(input: &str) -> PResult<'_, ()> {
    alt((
        value((), string),
        number,
        value((), tag("true")),
        value((), tag("false")),
        value((), tag("null")),
    ))(input)
}

/// A JSON number that Go decodes into a float64: out of its range, the decode fails.
fn number(input: &str) -> PResult<'_, ()> {
    let integer = alt((
        tag("0"),
        recognize(pair(satisfy(|c| c.is_ascii_digit() && c != '0'), digit0)),
    ));
    let fraction = pair(char('.'), digit1);
    let exponent = tuple((one_of("eE"), opt(one_of("+-")), digit1));
    let text = recognize(tuple((
        opt(char('-')),
        integer,
        opt(fraction),
        opt(exponent),
    )));
    value(
        (),
        verify(text, |text: &str| {
            text.parse::<f64>().is_ok_and(f64::is_finite)
        }),
    )(input)
}

/// Characters that end a run of plain string text: the closing quote, an escape, or
/// a control character (which JSON does not allow in a string).
fn ends_plain_text(c: char) -> bool {
    c == '"' || c == '\\' || c < ' '
}

/// A JSON string, decoded; borrowed when it has no escapes (the usual case).
fn string(input: &str) -> PResult<'_, Cow<'_, str>> {
    let (input, _) = char('"')(input)?;
    let (after, plain) = take_till(ends_plain_text)(input)?;
    if let Ok((after, _)) = char::<_, ()>('"')(after) {
        return Ok((after, Cow::Borrowed(plain)));
    }
    let (after, decoded) = fold_many0(
        alt((
            map(take_till1(ends_plain_text), StringPart::Text),
            map(escape, StringPart::Char),
        )),
        || plain.to_string(),
        |mut decoded, part| {
            match part {
                StringPart::Text(text) => decoded.push_str(text),
                StringPart::Char(c) => decoded.push(c),
            }
            decoded
        },
    )(after)?;
    let (after, _) = char('"')(after)?;
    Ok((after, Cow::Owned(decoded)))
}

/// A part of a string with escapes.
enum StringPart<'a> {
    Text(&'a str),
    Char(char),
}

/// A backslash escape.
fn escape(input: &str) -> PResult<'_, char> {
    preceded(
        char('\\'),
        alt((
            value('"', char('"')),
            value('\\', char('\\')),
            value('/', char('/')),
            value('\u{8}', char('b')),
            value('\u{c}', char('f')),
            value('\n', char('n')),
            value('\r', char('r')),
            value('\t', char('t')),
            preceded(char('u'), unicode_escape),
        )),
    )(input)
}

/// The hex digits of a `\u` escape (after `\u`). A high surrogate combines with a
/// following `\u` low surrogate; any other surrogate becomes U+FFFD, and an escape
/// after a high surrogate that is not a low one is read again on its own.
fn unicode_escape(input: &str) -> PResult<'_, char> {
    let (input, high) = hex4(input)?;
    if !(0xD800..0xDC00).contains(&high) {
        return Ok((input, char::from_u32(high).unwrap_or('\u{FFFD}')));
    }
    match preceded(tag("\\u"), hex4)(input) {
        Ok((after, low)) if (0xDC00..0xE000).contains(&low) => {
            let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
            Ok((after, char::from_u32(code).unwrap_or('\u{FFFD}')))
        }
        // `\u` without four hex digits: not a string at all.
        Err(_) if input.starts_with("\\u") => Err(nom::Err::Error(())),
        _ => Ok((input, '\u{FFFD}')),
    }
}

/// Four hex digits.
fn hex4(input: &str) -> PResult<'_, u32> {
    map_res(
        take_while_m_n(4, 4, |c: char| c.is_ascii_hexdigit()),
        |digits| u32::from_str_radix(digits, 16),
    )(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(s: &str) -> Vec<(String, String)> {
        match string_array(s) {
            JsonArray::Strings(items) => items
                .into_iter()
                .map(|(v, w)| (v.into_owned(), w.to_string()))
                .collect(),
            other => panic!("{s}: {other:?}"),
        }
    }

    fn values(s: &str) -> Vec<String> {
        strings(s).into_iter().map(|(v, _)| v).collect()
    }

    #[test]
    fn decodes_strings_and_ignores_trailing_text() {
        assert_eq!(values(r#"["a", "b\n\u00e9\/"]"#), ["a", "b\n\u{e9}/"]);
        assert_eq!(
            strings(r#"["a" , "b\t"] trailing"#),
            [
                ("a".into(), "\"a\"".into()),
                ("b\t".into(), "\"b\\t\"".into())
            ]
        );
        assert_eq!(
            values(r#"["abcdefghij\"klmnop\\", "0123456789abcdef", "x\/yz"]"#),
            ["abcdefghij\"klmnop\\", "0123456789abcdef", "x/yz"]
        );
        assert_eq!(values("[]"), Vec::<String>::new());
        assert_eq!(values("[ \n]"), Vec::<String>::new());
        assert_eq!(
            values(r#"["\ud83d\ude00", "\ud800x", "\ud800\u0041", "\udc00"]"#),
            ["\u{1F600}", "\u{FFFD}x", "\u{FFFD}A", "\u{FFFD}"]
        );
    }

    #[test]
    fn non_strings_and_invalid() {
        assert_eq!(string_array(r#"["a", 1]"#), JsonArray::NotStrings);
        assert_eq!(
            string_array(r#"[{"a": [null, true, -0.5e+3]}, {}, []]"#),
            JsonArray::NotStrings
        );
        for invalid in [
            "[1e999]",
            "['a']",
            r#"["a""#,
            r#"["a",]"#,
            "[01]",
            "[1.]",
            "[\"0123456789\tabc\"]",
            "[\"0123456789abc",
            r#"["\ud800\u00"]"#,
            r#"["\x"]"#,
            r#"[{"a" 1}]"#,
            r#"[{1: 1}]"#,
            "[tru]",
            "[",
            "a",
        ] {
            assert_eq!(string_array(invalid), JsonArray::Invalid, "{invalid}");
        }
        let deep = format!("[{}{}]", "[".repeat(20_000), "]".repeat(20_000));
        assert_eq!(string_array(&deep), JsonArray::Invalid);
        // Go's limit: 10,000 levels, the outer array included.
        let limit = format!("[{}{}]", "[".repeat(9_999), "]".repeat(9_999));
        assert_eq!(string_array(&limit), JsonArray::NotStrings);
        let over = format!("[{}{}]", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(string_array(&over), JsonArray::Invalid);
    }
}
