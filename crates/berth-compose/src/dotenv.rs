//! The `.env` file format as compose reads it (compose-go's `dotenv` parser):
//!
//! - `KEY=value`, `export KEY=value`, and the YAML-like `KEY: value`; blank lines and
//!   `#` comment lines are skipped; a line holding only `KEY` takes `KEY` from the
//!   environment, if set there.
//! - Unquoted values run to the end of the line, lose a ` #comment` and trailing blanks,
//!   and are interpolated (`${VAR:-d}`, `$$`, ...), looking first in the environment, then
//!   at the keys already read from the file.
//! - `'single'` values are literal; `"double"` values may span lines, understand `\n`,
//!   `\t`, `\"`, `\\`, `\$` (a literal `$`) and are interpolated.

use crate::interpolate::{interpolate, InterpolationError};

/// A problem in a `.env` file, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses `.env` text. `lookup` is the environment (it wins over the file in compose, so
/// it is asked first while expanding values). Returns the pairs in file order; a later
/// definition of a key replaces an earlier one.
///
/// ```
/// use berth_compose::dotenv::parse;
/// let env = |_: &str| None;
/// let pairs = parse("# settings\nA=1\nexport B=\"x ${A}\"\nC='${A}' # kept literal\n", &env).unwrap();
/// assert_eq!(pairs, [("A".into(), "1".into()), ("B".into(), "x 1".into()), ("C".into(), "${A}".into())]);
/// ```
pub fn parse(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, DotenvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out: Vec<(String, String)> = Vec::new();
    let line_at = |offset: usize| text[..offset].matches('\n').count() + 1;
    let mut at = 0;
    loop {
        at = statement_start(text, at);
        if at >= text.len() {
            break;
        }
        let (key, after_key, inherited) = key_name(text, at).map_err(|message| DotenvError {
            line: line_at(at),
            message,
        })?;
        if key.contains(' ') {
            return Err(DotenvError {
                line: line_at(at),
                message: format!("key `{key}` cannot contain a space"),
            });
        }
        if inherited {
            if let Some(v) = lookup(&key) {
                set(&mut out, key, v);
            }
            at = after_key;
            continue;
        }
        let value_at = skip_blanks(text, after_key);
        let known = |name: &str| -> Option<String> {
            lookup(name).or_else(|| {
                out.iter()
                    .rev()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            })
        };
        let expand = |value: &str| -> Result<String, DotenvError> {
            interpolate(value, &known).map_err(|e: InterpolationError| DotenvError {
                line: line_at(value_at),
                message: format!("`{key}`: {e}"),
            })
        };
        let (value, next) = match text[value_at..].chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let (raw, end) = quoted(text, value_at, quote).ok_or_else(|| DotenvError {
                    line: line_at(value_at),
                    message: format!("`{key}`: unterminated quoted value"),
                })?;
                let value = if quote == '"' {
                    expand(&unescape(&raw))?
                } else {
                    raw
                };
                (value, end)
            }
            _ => {
                let end = text[value_at..]
                    .find('\n')
                    .map_or(text.len(), |n| value_at + n);
                let mut value = &text[value_at..end];
                if let Some(hash) = value.find(" #") {
                    value = &value[..hash];
                }
                (expand(value.trim_end())?, end)
            }
        };
        set(&mut out, key, value);
        at = next;
    }
    Ok(out)
}

fn set(out: &mut Vec<(String, String)>, key: String, value: String) {
    match out.iter_mut().find(|(k, _)| *k == key) {
        Some(entry) => entry.1 = value,
        None => out.push((key, value)),
    }
}

/// compose-go's `isSpace`: blanks that are not line breaks.
fn is_blank(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    )
}

fn skip_blanks(text: &str, at: usize) -> usize {
    text[at..]
        .char_indices()
        .find(|&(_, c)| !is_blank(c))
        .map_or(text.len(), |(i, _)| at + i)
}

/// Skips whitespace (line breaks included) and comment lines.
fn statement_start(text: &str, mut at: usize) -> usize {
    loop {
        at = text[at..]
            .char_indices()
            .find(|&(_, c)| !c.is_whitespace())
            .map_or(text.len(), |(i, _)| at + i);
        if at < text.len() && text[at..].starts_with('#') {
            at = text[at..].find('\n').map_or(text.len(), |n| at + n);
            continue;
        }
        return at;
    }
}

/// The key at `at` (after an optional `export `), the offset after its `=`/`:`/newline,
/// and whether the line held only the key.
fn key_name(text: &str, mut at: usize) -> Result<(String, usize, bool), String> {
    if let Some(rest) = text[at..].strip_prefix("export") {
        if rest.starts_with(is_blank) {
            at = skip_blanks(text, at + "export".len());
        }
    }
    for (i, c) in text[at..].char_indices() {
        if is_blank(c) {
            continue;
        }
        match c {
            '=' | ':' | '\n' => {
                let key = text[at..at + i].trim_end().to_string();
                return Ok((key, at + i + 1, c == '\n'));
            }
            '_' | '.' | '-' | '[' | ']' => {}
            c if c.is_alphanumeric() => {}
            c => {
                let line = text[at..].lines().next().unwrap_or("");
                return Err(format!(
                    "unexpected character `{c}` in variable name `{line}`"
                ));
            }
        }
    }
    // The last line, without a line break: only a key.
    Ok((text[at..].trim_end().to_string(), text.len(), true))
}

/// The raw text between `quote` at `at` and its closing quote, and the offset after it.
/// A backslash before the quote character drops; before anything else it stays.
fn quoted(text: &str, at: usize, quote: char) -> Option<(String, usize)> {
    let mut raw = String::new();
    let mut escaped = false;
    for (i, c) in text[at + 1..].char_indices() {
        if c != quote {
            if !escaped && c == '\\' {
                escaped = true;
                continue;
            }
            if escaped {
                escaped = false;
                raw.push('\\');
            }
            raw.push(c);
            continue;
        }
        if escaped {
            escaped = false;
            raw.push(c);
            continue;
        }
        return Some((raw, at + 1 + i + 1));
    }
    None
}

/// Shell-like escapes of double-quoted values: `\a \b \c \f \n \r \t \v \" \\`, `\0NNN`
/// octal, and `\$`, which stays a literal dollar (`$$` for the interpolation after).
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some(e @ ('a' | 'b' | 'f' | 'n' | 'r' | 't' | 'v' | '"' | '\\')) => {
                chars.next();
                out.push(match e {
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'v' => '\u{b}',
                    other => other,
                });
            }
            Some('$') => {
                chars.next();
                out.push_str("$$");
            }
            Some('0') => {
                chars.next();
                let mut digits = String::new();
                while digits.len() < 3 && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                    digits.push(chars.next().unwrap_or('0'));
                }
                match u32::from_str_radix(if digits.is_empty() { "0" } else { &digits }, 8)
                    .ok()
                    .and_then(char::from_u32)
                {
                    Some(ch) => out.push(ch),
                    None => {
                        out.push_str("\\0");
                        out.push_str(&digits);
                    }
                }
            }
            // `\c` is not Go's escape: compose leaves it, and anything else, as written.
            _ => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOME" => Some("/home/me".into()),
            "FROM_ENV" => Some("env".into()),
            _ => None,
        }
    }

    fn value_of(text: &str, key: &str) -> Option<String> {
        parse(text, &env)
            .unwrap()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// (file text, key, value compose reads). Several differ from `sh`'s `. ./.env`.
    #[test]
    fn dotenv_table() {
        let table: &[(&str, &str, Option<&str>)] = &[
            ("A=1", "A", Some("1")),
            ("A = 1 ", "A", Some("1")),
            ("export A=1", "A", Some("1")),
            ("A: 1", "A", Some("1")),
            ("A=", "A", Some("")),
            // shell: an unquoted space ends the word (and runs the rest as a command).
            ("A=a b c", "A", Some("a b c")),
            ("A=x # note", "A", Some("x")),
            // shell: `#` starts a comment only after a blank, here as in compose.
            ("A=x#y", "A", Some("x#y")),
            ("A='x # y'", "A", Some("x # y")),
            ("A='$HOME'", "A", Some("$HOME")),
            ("A=\"$HOME\"", "A", Some("/home/me")),
            ("A=$HOME/x", "A", Some("/home/me/x")),
            ("A=\"a\\nb\"", "A", Some("a\nb")),
            ("A='a\\nb'", "A", Some("a\\nb")),
            ("A=\"multi\nline\"", "A", Some("multi\nline")),
            ("A=\"say \\\"hi\\\"\"", "A", Some("say \"hi\"")),
            ("A=\"\\$HOME\"", "A", Some("$HOME")),
            ("A=$$HOME", "A", Some("$HOME")),
            ("A=1\nB=${A}2", "B", Some("12")),
            ("A=${UNSET:-dflt}", "A", Some("dflt")),
            // The environment wins over earlier lines while expanding.
            ("FROM_ENV=file\nB=$FROM_ENV", "B", Some("env")),
            ("FROM_ENV", "FROM_ENV", Some("env")),
            ("NOT_SET", "NOT_SET", None),
            ("A=1\nA=2", "A", Some("2")),
            ("# c\n\n  A=1\n", "A", Some("1")),
            ("\u{feff}A=1", "A", Some("1")),
            ("A.B-C[0]=1", "A.B-C[0]", Some("1")),
        ];
        for (text, key, want) in table {
            assert_eq!(value_of(text, key).as_deref(), *want, "{text:?}");
        }
    }

    #[test]
    fn dotenv_errors_have_lines() {
        let e = parse("A=1\nB=\"open\n", &env).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("unterminated"), "{e:?}");
        let e = parse("A=1\n\nB C=1\n", &env).unwrap_err();
        assert_eq!(e.line, 3);
        let e = parse("A=1\nB$=1\n", &env).unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse("A=${NEEDED:?set it}\n", &env).unwrap_err();
        assert!(e.message.contains("required variable NEEDED"), "{e:?}");
    }
}
