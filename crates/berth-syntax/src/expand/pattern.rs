//! Shell-style patterns of `${name#pat}`, `${name%pat}` and `${name/pat/repl}`.
//!
//! BuildKit turns the pattern into a Go regular expression (`*` becomes `.*` or `.*?`,
//! `?` becomes `.`, everything else literal) and uses Go's leftmost-first matching. The
//! same language is small enough to match directly: a pattern is a list of literal
//! characters, "any character" and stars. The matcher explores alternatives in the
//! order a backtracking regex engine prefers them (so greedy and lazy stars give the
//! same match as Go's engine), remembering failed states so that no input is
//! exponential. Like Go's `.`, neither `?` nor `*` matches a newline.

use std::collections::HashSet;

/// One element of a compiled pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    Literal(char),
    AnyChar,
    Star,
}

/// A compiled pattern plus whether its stars prefer the longest match.
#[derive(Debug)]
pub(crate) struct Pattern {
    tokens: Vec<Token>,
    greedy: bool,
}

/// Text scanned by Go's `text/scanner`: a byte-order mark at the very start is skipped.
pub(crate) fn skip_leading_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

impl Pattern {
    /// Compile `pattern`. `\*`, `\?` and `\\` are literal; `\}` and `\/` are the
    /// characters `}` and `/`; any other backslash sequence is an error whose text is
    /// BuildKit's (`invalid escape '\x'`).
    pub(crate) fn compile(pattern: &str, greedy: bool) -> Result<Pattern, String> {
        let mut tokens = Vec::with_capacity(pattern.len());
        let mut chars = skip_leading_bom(pattern).chars().peekable();
        while let Some(ch) = chars.next() {
            match ch {
                '*' => {
                    // Consecutive stars match exactly what one star matches, in the
                    // same preference order.
                    if tokens.last() != Some(&Token::Star) {
                        tokens.push(Token::Star);
                    }
                }
                '?' => tokens.push(Token::AnyChar),
                '\\' => {
                    if matches!(chars.peek(), Some('}') | Some('/')) {
                        continue;
                    }
                    match chars.next() {
                        Some(escaped @ ('*' | '?' | '\\')) => tokens.push(Token::Literal(escaped)),
                        other => {
                            return Err(format!(
                                "invalid escape '\\{}'",
                                other.unwrap_or(char::REPLACEMENT_CHARACTER)
                            ))
                        }
                    }
                }
                other => tokens.push(Token::Literal(other)),
            }
        }
        Ok(Pattern { tokens, greedy })
    }

    /// Whether the pattern can match nothing but literal text.
    fn has_star(&self) -> bool {
        self.tokens.contains(&Token::Star)
    }
}

/// Finds matches of one pattern in one text, sharing what it learned between calls.
struct Matcher<'p> {
    pattern: &'p Pattern,
    text: Vec<char>,
    failed: FailedStates,
}

/// States `(token index, char index)` from which no match of the rest of the pattern
/// exists. Failure from a state does not depend on where the match started, so this
/// is shared across start positions.
enum FailedStates {
    Bits { bits: Vec<u64>, width: usize },
    Set(HashSet<(usize, usize)>),
}

impl FailedStates {
    const MAX_BITS: usize = 1 << 24;

    fn new(tokens: usize, chars: usize) -> Self {
        let width = chars + 1;
        match (tokens + 1).checked_mul(width) {
            Some(total) if total <= Self::MAX_BITS => FailedStates::Bits {
                bits: vec![0; total.div_ceil(64)],
                width,
            },
            _ => FailedStates::Set(HashSet::new()),
        }
    }

    /// Marks the state; returns false if it was already marked.
    fn insert(&mut self, token: usize, at: usize) -> bool {
        match self {
            FailedStates::Bits { bits, width } => {
                let index = token * *width + at;
                let (word, bit) = (index / 64, 1u64 << (index % 64));
                let fresh = bits[word] & bit == 0;
                bits[word] |= bit;
                fresh
            }
            FailedStates::Set(set) => set.insert((token, at)),
        }
    }
}

impl<'p> Matcher<'p> {
    fn new(pattern: &'p Pattern, text: &str) -> Self {
        let text: Vec<char> = text.chars().collect();
        let failed = if pattern.has_star() {
            FailedStates::new(pattern.tokens.len(), text.len())
        } else {
            // Without stars each state has one successor: nothing to remember.
            FailedStates::Set(HashSet::new())
        };
        Matcher {
            pattern,
            text,
            failed,
        }
    }

    /// End (char index) of the preferred match starting exactly at `start`.
    fn match_at(&mut self, start: usize) -> Option<usize> {
        let tokens = &self.pattern.tokens;
        let remember = self.pattern.has_star();
        let mut stack = vec![(0usize, start)];
        while let Some((token, at)) = stack.pop() {
            if remember && !self.failed.insert(token, at) {
                continue;
            }
            let Some(&current) = tokens.get(token) else {
                return Some(at);
            };
            let next_char = self.text.get(at).copied();
            match current {
                Token::Literal(expected) => {
                    if next_char == Some(expected) {
                        stack.push((token + 1, at + 1));
                    }
                }
                Token::AnyChar => {
                    if next_char.is_some_and(|c| c != '\n') {
                        stack.push((token + 1, at + 1));
                    }
                }
                Token::Star => {
                    let can_extend = next_char.is_some_and(|c| c != '\n');
                    // The stack pops the last push first: push the less preferred
                    // alternative first.
                    if self.pattern.greedy {
                        stack.push((token + 1, at));
                        if can_extend {
                            stack.push((token, at + 1));
                        }
                    } else {
                        if can_extend {
                            stack.push((token, at + 1));
                        }
                        stack.push((token + 1, at));
                    }
                }
            }
        }
        None
    }

    /// The leftmost match starting at or after `from`, as char indices.
    fn find_from(&mut self, from: usize) -> Option<(usize, usize)> {
        (from..=self.text.len()).find_map(|start| self.match_at(start).map(|end| (start, end)))
    }

    fn slice(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = char> + '_ {
        self.text[range].iter().copied()
    }
}

/// `${name#pat}` / `${name##pat}`: remove the preferred match anchored at the start.
pub(crate) fn trim_prefix(pattern: &str, value: &str, greedy: bool) -> Result<String, String> {
    let compiled = Pattern::compile(pattern, greedy)?;
    let mut matcher = Matcher::new(&compiled, value);
    Ok(match matcher.match_at(0) {
        Some(end) => matcher.slice(end..matcher.text.len()).collect(),
        None => value.to_string(),
    })
}

/// `${name%pat}` / `${name%%pat}`: BuildKit reverses the pattern (keeping each
/// backslash before the character it escapes) and the value, trims a prefix, and
/// reverses the result back.
pub(crate) fn trim_suffix(pattern: &str, value: &str, greedy: bool) -> Result<String, String> {
    let reversed_value: String = value.chars().rev().collect();
    let trimmed = trim_prefix(&reverse_pattern(pattern), &reversed_value, greedy)?;
    Ok(trimmed.chars().rev().collect())
}

fn reverse_pattern(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = vec!['\0'; chars.len()];
    let last = chars.len().saturating_sub(1);
    let mut i = 0;
    while i < chars.len() {
        let out_index = last - i;
        if chars[i] == '\\' && i != last {
            out[out_index - 1] = '\\';
            out[out_index] = chars[i + 1];
            i += 2;
        } else {
            out[out_index] = chars[i];
            i += 1;
        }
    }
    out.into_iter().collect()
}

/// `${name/pat/repl}` (first match, replacement inserted as is) and
/// `${name//pat/repl}` (every match, replacement read as a Go regexp template where
/// `$0` / `${0}` is the match, `$$` a dollar and any other `$name` empty).
pub(crate) fn replace(
    pattern: &str,
    value: &str,
    replacement: &str,
    all: bool,
) -> Result<String, String> {
    let compiled = Pattern::compile(pattern, true)?;
    let mut matcher = Matcher::new(&compiled, value);
    if !all {
        return Ok(match matcher.find_from(0) {
            Some((start, end)) => {
                let mut out: String = matcher.slice(0..start).collect();
                out.push_str(replacement);
                out.extend(matcher.slice(end..matcher.text.len()));
                out
            }
            None => value.to_string(),
        });
    }
    // The loop of Go's `Regexp.ReplaceAllString`, in char indices.
    let len = matcher.text.len();
    let mut out = String::with_capacity(value.len());
    let mut last_end = 0;
    let mut search = 0;
    while search <= len {
        let Some((start, end)) = matcher.find_from(search) else {
            break;
        };
        out.extend(matcher.slice(last_end..start));
        // No replacement for an empty match right after the previous match.
        if end > last_end || start == 0 {
            let matched: String = matcher.slice(start..end).collect();
            expand_template(&mut out, replacement, &matched);
        }
        last_end = end;
        let width = usize::from(search < len);
        if search + width > end {
            search += width;
        } else if search + 1 > end {
            search += 1;
        } else {
            search = end;
        }
    }
    out.extend(matcher.slice(last_end..len));
    Ok(out)
}

/// Go's `Regexp.Expand` for a regexp whose only group is the whole match.
fn expand_template(out: &mut String, template: &str, matched: &str) {
    let mut rest = template;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        rest = &rest[dollar + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
            continue;
        }
        match template_reference(rest) {
            Some((name, after)) => {
                if name == "0" {
                    out.push_str(matched);
                }
                rest = after;
            }
            None => out.push('$'),
        }
    }
    out.push_str(rest);
}

/// A `name` or `{name}` reference at the start of `text` (Go's `extract`): the name
/// and the text after the reference.
fn template_reference(text: &str) -> Option<(&str, &str)> {
    let (braced, body) = match text.strip_prefix('{') {
        Some(body) => (true, body),
        None => (false, text),
    };
    let name_len = body
        .char_indices()
        .find(|&(_, c)| !(super::unicode::is_letter(c) || super::unicode::is_digit(c) || c == '_'))
        .map_or(body.len(), |(i, _)| i);
    if name_len == 0 {
        return None;
    }
    let (name, after) = body.split_at(name_len);
    if braced {
        let after = after.strip_prefix('}')?;
        return Some((name, after));
    }
    Some((name, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_shortest_and_longest() {
        assert_eq!(trim_prefix("*/", "a/b/c", false).unwrap(), "b/c");
        assert_eq!(trim_prefix("*/", "a/b/c", true).unwrap(), "c");
        assert_eq!(trim_prefix("x*", "a/b/c", true).unwrap(), "a/b/c");
    }

    #[test]
    fn suffix_shortest_and_longest() {
        assert_eq!(trim_suffix("/*", "a/b/c", false).unwrap(), "a/b");
        assert_eq!(trim_suffix("/*", "a/b/c", true).unwrap(), "a");
        assert_eq!(trim_suffix("\\*c", "ab*c", false).unwrap(), "ab");
    }

    #[test]
    fn star_does_not_cross_newlines() {
        assert_eq!(trim_prefix("*b", "a\nb", true).unwrap(), "a\nb");
        assert_eq!(trim_prefix("?", "\nb", true).unwrap(), "\nb");
    }

    #[test]
    fn replace_first_and_all() {
        assert_eq!(replace("o", "foo", "0", false).unwrap(), "f0o");
        assert_eq!(replace("o", "foo", "0", true).unwrap(), "f00");
        assert_eq!(replace("", "ab", "-", true).unwrap(), "-a-b-");
        assert_eq!(replace("*", "ab", "-", true).unwrap(), "-");
        assert_eq!(replace("o", "foo", "[$0]", true).unwrap(), "f[o][o]");
        assert_eq!(replace("o", "foo", "$$x$1y", true).unwrap(), "f$x$x");
    }

    #[test]
    fn invalid_escapes_are_errors() {
        assert_eq!(
            Pattern::compile("a\\b", true).unwrap_err(),
            "invalid escape '\\b'"
        );
        assert!(Pattern::compile("a\\", true).is_err());
        assert!(Pattern::compile("a\\}", true).is_ok());
    }

    #[test]
    fn many_stars_stay_fast() {
        let pattern = "*a".repeat(200) + "b";
        let value = "a".repeat(2000);
        assert_eq!(trim_prefix(&pattern, &value, true).unwrap(), value);
    }
}
