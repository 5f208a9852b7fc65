//! Parser directives (`# syntax=`, `# escape=`, `# check=`), recognised only in the
//! block of comment lines at the very top of the file (`DirectiveParser.ParseLine`).

use nom::bytes::complete::take_while;
use nom::character::complete::{char, satisfy};
use nom::combinator::recognize;
use nom::sequence::{pair, preceded, tuple};
use nom::IResult;

use crate::ast::Directive;
use crate::span::Span;

/// Directive names BuildKit knows.
pub const DIRECTIVE_NAMES: [&str; 3] = ["syntax", "escape", "check"];

/// Go's regexp `\s`: `[\t\n\f\r ]`.
fn re_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ')
}

/// `#\s*name\s*=\s*` — returns the name and the rest (the raw value).
fn directive_head(line: &str) -> IResult<&str, &str> {
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

/// Value: the rest of the line, trailing `\s` removed.
fn directive_value(rest: &str) -> IResult<&str, &str> {
    let (after, value) = take_while(|_| true)(rest)?;
    Ok((after, value.trim_end_matches(re_space)))
}

/// Tracks whether directives are still possible and which were seen.
#[derive(Default)]
pub(crate) struct DirectiveParser {
    done: bool,
    seen: Vec<String>,
}

impl DirectiveParser {
    /// Look at one line (left-trimmed, starting at source offset `at`). Returns the
    /// directive, nothing (and possibly switches itself off), or the duplicate error.
    pub(crate) fn parse_line(
        &mut self,
        line: &str,
        at: usize,
    ) -> Result<Option<Directive>, (String, Span)> {
        if self.done {
            return Ok(None);
        }
        let parsed = directive_head(line).and_then(|(rest, name)| {
            let (_, value) = directive_value(rest)?;
            Ok((name, value, rest))
        });
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
        let name_start = at + (name.as_ptr() as usize - line.as_ptr() as usize);
        let value_start = at + (rest.as_ptr() as usize - line.as_ptr() as usize);
        let span = Span::new(at, at + line.len());
        if self.seen.contains(&key) {
            return Err((format!("only one {key} parser directive can be used"), span));
        }
        self.seen.push(key.clone());
        Ok(Some(Directive {
            name: key,
            value: value.to_string(),
            span,
            name_span: Span::new(name_start, name_start + name.len()),
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
        let d = p.parse_line("# Escape = `  ", 0).unwrap().unwrap();
        assert_eq!((d.name.as_str(), d.value.as_str()), ("escape", "`"));
        assert_eq!(d.value_span, Span::new(11, 12));
        assert!(p.parse_line("# escape=\\", 0).is_err());
        assert!(p.parse_line("# hello", 0).unwrap().is_none());
        assert!(p.parse_line("# syntax=x", 0).unwrap().is_none());
    }

    #[test]
    fn whitespace_only_value_is_its_last_character() {
        let mut p = DirectiveParser::default();
        let d = p.parse_line("# escape=  \t", 0).unwrap().unwrap();
        assert_eq!(d.value, "\t");
        let mut p = DirectiveParser::default();
        assert!(p.parse_line("# escape=", 0).unwrap().is_none());
    }

    #[test]
    fn unknown_key_switches_off() {
        let mut p = DirectiveParser::default();
        assert!(p.parse_line("# foo=bar", 0).unwrap().is_none());
        assert!(p.parse_line("# syntax=x", 0).unwrap().is_none());
    }
}
