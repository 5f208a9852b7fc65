//! Parser directives (`# syntax=`, `# escape=`, `# check=`), recognised only in the
//! block of comment lines at the very top of the file (`DirectiveParser.ParseLine`).

use nom::bytes::complete::take_while;
use nom::character::complete::{char, satisfy};
use nom::combinator::recognize;
use nom::sequence::{pair, preceded, tuple};
use nom::Offset;

use std::sync::Arc;

use super::PResult;
use crate::ast::Directive;
use crate::shared::SharedStr;
use crate::span::Span;

/// Directive names BuildKit knows.
pub const DIRECTIVE_NAMES: [&str; 3] = ["syntax", "escape", "check"];

/// Go's regexp `\s`: `[\t\n\f\r ]`.
fn re_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ')
}

/// `#\s*name\s*=\s*` of BuildKit's `reDirectives`: the name, and the rest (the
/// raw value).
fn directive_head(line: &str) -> PResult<'_, &str> {
    let name = recognize(pair(
        satisfy(|c| c.is_ascii_alphabetic()),
        take_while(|c: char| c.is_ascii_alphanumeric()),
    ));
    let (rest, (_, name, _, _, _)) = tuple((
        preceded(char('#'), take_while(re_space)),
        name,
        take_while(re_space),
        char('='),
        take_while(re_space),
    ))(line)?;
    Ok((rest, name))
}

/// Tracks whether directives are still possible and which were seen.
#[derive(Default)]
pub(crate) struct DirectiveParser {
    done: bool,
    seen: Vec<String>,
}

impl DirectiveParser {
    /// True until a line ends the directive block: the scanner then skips
    /// [`DirectiveParser::parse_line`] for the rest of the file's lines.
    pub(crate) fn active(&self) -> bool {
        !self.done
    }

    /// Look at one line (left-trimmed, starting at offset `at` of the source `src`):
    /// the directive, nothing (and the block may end), or the duplicate error.
    pub(crate) fn parse_line(
        &mut self,
        line: &str,
        at: usize,
        src: &Arc<str>,
    ) -> Result<Option<Directive>, (String, Span)> {
        // A line that is not a comment (usually the file's first instruction) ends
        // the block without a parse.
        if self.done || !line.starts_with('#') {
            self.done = true;
            return Ok(None);
        }
        // The value: the rest of the line, trailing `\s` removed.
        let parsed =
            directive_head(line).map(|(rest, name)| (name, rest.trim_end_matches(re_space), rest));
        let Ok((name, mut value, mut rest)) = parsed else {
            self.done = true;
            return Ok(None);
        };
        if value.is_empty() {
            // `=\s*(.+?)\s*$` backtracks: after `=` and only whitespace, the
            // value is the last whitespace character (`# escape=  ` gives " ").
            let head = &line[..line.len() - rest.len()];
            let Some(last) = head.chars().last().filter(|&c| re_space(c)) else {
                self.done = true;
                return Ok(None);
            };
            rest = &line[line.len() - rest.len() - last.len_utf8()..];
            value = &rest[..last.len_utf8()];
        }
        let key = name.to_ascii_lowercase();
        if !DIRECTIVE_NAMES.contains(&key.as_str()) {
            self.done = true;
            return Ok(None);
        }
        let name_start = at + line.offset(name);
        let value_start = at + line.offset(rest);
        let span = Span::new(at, at + line.len());
        let name_len = name.len();
        if self.seen.contains(&key) {
            return Err((format!("only one {key} parser directive can be used"), span));
        }
        let name = if key == name {
            SharedStr::slice(src, name_start..name_start + name.len())
        } else {
            SharedStr::from(key.as_str())
        };
        self.seen.push(key);
        Ok(Some(Directive {
            name,
            value: SharedStr::slice(src, value_start..value_start + value.len()),
            span,
            name_span: Span::new(name_start, name_start + name_len),
            value_span: Span::new(value_start, value_start + value.len()),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_directives_until_switched_off() {
        let mut p = DirectiveParser::default();
        let line = |s: &str| Arc::<str>::from(s);
        let src = line("# Escape = `  ");
        let d = p.parse_line(&src, 0, &src).unwrap().unwrap();
        assert_eq!((d.name.as_str(), d.value.as_str()), ("escape", "`"));
        assert_eq!(d.value_span, Span::new(11, 12));
        for (text, duplicate) in [
            ("# escape=\\", true),
            ("# hello", false),
            ("# syntax=x", false),
        ] {
            let src = line(text);
            let got = p.parse_line(&src, 0, &src);
            assert_eq!(got.is_err(), duplicate, "{text}");
            assert!(got.is_err() || got.unwrap().is_none());
        }
    }

    #[test]
    fn whitespace_only_value_is_its_last_character() {
        let mut p = DirectiveParser::default();
        let src = Arc::<str>::from("# escape=  \t");
        let d = p.parse_line(&src, 0, &src).unwrap().unwrap();
        assert_eq!(d.value, "\t");
        let mut p = DirectiveParser::default();
        let src = Arc::<str>::from("# escape=");
        assert!(p.parse_line(&src, 0, &src).unwrap().is_none());
    }

    #[test]
    fn unknown_key_switches_off() {
        let mut p = DirectiveParser::default();
        for text in ["# foo=bar", "# syntax=x"] {
            let src = Arc::<str>::from(text);
            assert!(p.parse_line(&src, 0, &src).unwrap().is_none());
        }
    }
}
