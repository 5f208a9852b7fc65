//! The word processor: one pass over a word that removes quotes, applies escapes,
//! substitutes variables and splits words, the way BuildKit's `shellWord` does.

use std::collections::BTreeSet;

use super::error::ExpandErrorKind;
use super::pattern;
use super::unicode::{is_digit, is_letter};
use super::{Lexer, Lookup};

/// Position in the word, read one `char` at a time (Go's `text/scanner` over a string).
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        // text/scanner skips a byte-order mark at the very start.
        let pos = if text.starts_with('\u{feff}') { 3 } else { 0 };
        Cursor { text, pos }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let ch = self.peek()?;
        self.pos += ch.len_utf8();
        Some(ch)
    }
}

/// The words of word-splitting mode, built alongside the single-word result.
#[derive(Default)]
struct Words {
    current: String,
    done: Vec<String>,
    in_word: bool,
}

impl Words {
    /// A character that came from the word itself or a variable's value: unquoted
    /// whitespace ends the current word.
    fn add_char(&mut self, ch: char) {
        if ch.is_whitespace() {
            if self.in_word && !self.current.is_empty() {
                self.done.push(std::mem::take(&mut self.current));
                self.in_word = false;
            }
        } else {
            self.add_raw_char(ch);
        }
    }

    fn add_raw_char(&mut self, ch: char) {
        self.current.push(ch);
        self.in_word = true;
    }

    fn add_string(&mut self, text: &str) {
        text.chars().for_each(|ch| self.add_char(ch));
    }

    fn add_raw_string(&mut self, text: &str) {
        self.current.push_str(text);
        self.in_word = true;
    }

    fn finish(mut self) -> Vec<String> {
        if !self.current.is_empty() {
            self.done.push(self.current);
        }
        self.done
    }
}

type Step<T> = Result<T, ExpandErrorKind>;

/// State of one expansion.
pub(super) struct WordProcessor<'a, L: Lookup + ?Sized> {
    options: &'a Lexer,
    cursor: Cursor<'a>,
    env: &'a L,
    raw_escapes: bool,
    pub(super) matched: BTreeSet<String>,
    pub(super) unmatched: BTreeSet<String>,
}

impl<'a, L: Lookup + ?Sized> WordProcessor<'a, L> {
    pub(super) fn new(options: &'a Lexer, word: &'a str, env: &'a L) -> Self {
        WordProcessor {
            options,
            cursor: Cursor::new(word),
            env,
            raw_escapes: options.raw_escapes,
            matched: BTreeSet::new(),
            unmatched: BTreeSet::new(),
        }
    }

    /// Byte offset reached so far.
    pub(super) fn offset(&self) -> usize {
        self.cursor.pos
    }

    /// Process the whole word: the single-word result and the split words.
    pub(super) fn process(&mut self) -> Step<(String, Vec<String>)> {
        let raw_escapes = self.raw_escapes;
        self.process_until(None, raw_escapes, true)
    }

    /// Process up to (and consuming) `stop`, or to the end of the word when `stop` is
    /// `None`. Only the outermost call needs the split words.
    fn process_until(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
        split: bool,
    ) -> Step<(String, Vec<String>)> {
        let saved_raw_escapes = std::mem::replace(&mut self.raw_escapes, raw_escapes);
        let outcome = self.process_until_inner(stop, split);
        self.raw_escapes = saved_raw_escapes;
        outcome
    }

    fn process_until_inner(
        &mut self,
        stop: Option<char>,
        split: bool,
    ) -> Step<(String, Vec<String>)> {
        let mut result = String::new();
        let mut words = Words::default();
        let escape = self.options.escape;
        while let Some(ch) = self.cursor.peek() {
            if Some(ch) == stop {
                self.cursor.next();
                return Ok((result, words.finish()));
            }
            let special = match ch {
                '$' => Some(self.process_dollar()?),
                '\'' | '"' if !self.options.skip_process_quotes => Some(if ch == '\'' {
                    self.process_single_quote()?
                } else {
                    self.process_double_quote()?
                }),
                '<' if self.options.heredoc_spacing => Some(self.process_possible_heredoc()),
                _ => None,
            };
            if let Some(text) = special {
                result.push_str(&text);
                if split {
                    if ch == '$' {
                        words.add_string(&text);
                    } else {
                        words.add_raw_string(&text);
                    }
                }
                continue;
            }
            let mut ch = ch;
            self.cursor.next();
            if ch == escape {
                if self.raw_escapes {
                    words.add_raw_char(ch);
                    result.push(ch);
                }
                // The escape character makes the next one literal; a trailing escape
                // is dropped.
                let Some(escaped) = self.cursor.next() else {
                    break;
                };
                words.add_raw_char(escaped);
                ch = escaped;
            } else {
                words.add_char(ch);
            }
            result.push(ch);
        }
        if let Some(expected) = stop {
            return Err(ExpandErrorKind::UnexpectedEnd { expected });
        }
        Ok((result, words.finish()))
    }

    /// `'...'`: everything literal up to the next single quote.
    fn process_single_quote(&mut self) -> Step<String> {
        let mut result = String::new();
        let open = self.cursor.next();
        if self.options.raw_quotes {
            result.extend(open);
        }
        loop {
            match self.cursor.next() {
                None => return Err(ExpandErrorKind::UnterminatedSingleQuote),
                Some('\'') => {
                    if self.options.raw_quotes {
                        result.push('\'');
                    }
                    return Ok(result);
                }
                Some(ch) => result.push(ch),
            }
        }
    }

    /// `"..."`: variables are expanded; the escape character escapes only `"`, `$`
    /// and itself, and stays in front of anything else.
    fn process_double_quote(&mut self) -> Step<String> {
        let mut result = String::new();
        let open = self.cursor.next();
        if self.options.raw_quotes {
            result.extend(open);
        }
        let escape = self.options.escape;
        loop {
            match self.cursor.peek() {
                None => return Err(ExpandErrorKind::UnterminatedDoubleQuote),
                Some('"') => {
                    self.cursor.next();
                    if self.options.raw_quotes {
                        result.push('"');
                    }
                    return Ok(result);
                }
                Some('$') => {
                    let value = self.process_dollar()?;
                    result.push_str(&value);
                }
                Some(mut ch) => {
                    self.cursor.next();
                    if ch == escape {
                        if self.raw_escapes {
                            result.push(ch);
                        }
                        match self.cursor.peek() {
                            // A trailing escape is ignored (the missing quote is the
                            // error reported next).
                            None => continue,
                            Some(next) if next == '"' || next == '$' || next == escape => {
                                self.cursor.next();
                                ch = next;
                            }
                            Some(_) => {}
                        }
                    }
                    result.push(ch);
                }
            }
        }
    }

    /// `<<` followed by blanks is kept together, so that `<< EOF` stays one word
    /// (BuildKit since 2025, for heredocs written with a space).
    fn process_possible_heredoc(&mut self) -> String {
        self.cursor.next();
        if self.cursor.peek() != Some('<') {
            return "<".to_string();
        }
        self.cursor.next();
        let mut result = "<<".to_string();
        while let Some(ch @ ('\t' | '\r' | ' ')) = self.cursor.peek() {
            result.push(ch);
            self.cursor.next();
        }
        result
    }

    /// Looks a name up, remembering whether it was set.
    fn get_env(&mut self, name: &str) -> Option<String> {
        match self.env.lookup(name) {
            Some(value) => {
                self.matched.insert(name.to_string());
                Some(value.to_string())
            }
            None => {
                self.unmatched.insert(name.to_string());
                None
            }
        }
    }

    /// A name: letters, digits and `_`; a leading digit reads digits only; one of
    /// the special parameters `@*#?-$!0` is a name of its own.
    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.cursor.peek() {
            if name.is_empty() && is_digit(ch) {
                while let Some(digit) = self.cursor.peek().filter(|&c| is_digit(c)) {
                    name.push(digit);
                    self.cursor.next();
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.cursor.next();
                return ch.to_string();
            }
            if !is_letter(ch) && !is_digit(ch) && ch != '_' {
                break;
            }
            name.push(ch);
            self.cursor.next();
        }
        name
    }

    fn process_dollar(&mut self) -> Step<String> {
        self.cursor.next();
        if self.cursor.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".to_string());
            }
            return Ok(match self.get_env(&name) {
                Some(value) => value,
                None if self.options.skip_unset_env => format!("${name}"),
                None => String::new(),
            });
        }
        self.cursor.next();
        match self.cursor.peek() {
            None => return Err(ExpandErrorKind::MissingBrace),
            Some('{' | '}' | ':') => return Err(ExpandErrorKind::BadSubstitution),
            Some(_) => {}
        }
        let name = self.process_name();
        let modifier = self.cursor.next();
        let mut modifier_text = display_char(modifier).to_string();
        match modifier {
            Some('}') => Ok(match self.get_env(&name) {
                Some(value) => value,
                None if self.options.skip_unset_env => format!("${{{name}}}"),
                None => String::new(),
            }),
            Some(':' | '+' | '-' | '?' | '#' | '%') => {
                let mut operator = modifier;
                let null_is_unset = operator == Some(':');
                if null_is_unset {
                    operator = self.cursor.next();
                    modifier_text.push(display_char(operator));
                }
                self.process_modifier(&name, operator, null_is_unset, modifier_text)
            }
            Some('/') => self.process_replacement(&name),
            _ => Err(ExpandErrorKind::UnsupportedModifier(modifier_text)),
        }
    }

    /// `${name[:]op word}` for `-`, `+`, `?`, `#`, `##`, `%`, `%%`.
    fn process_modifier(
        &mut self,
        name: &str,
        operator: Option<char>,
        null_is_unset: bool,
        modifier_text: String,
    ) -> Step<String> {
        let is_pattern = matches!(operator, Some('#' | '%'));
        if null_is_unset && is_pattern {
            return Err(ExpandErrorKind::UnsupportedModifier(modifier_text));
        }
        let word = self.process_inner('}', is_pattern, ExpandErrorKind::MissingBrace)?;
        let value = self.get_env(name);
        if self.options.skip_unset_env && value.is_none() {
            return Ok(format!("${{{name}{modifier_text}{word}}}"));
        }
        let empty_or_unset = match &value {
            None => true,
            Some(v) => null_is_unset && v.is_empty(),
        };
        match operator {
            Some('-') => Ok(if empty_or_unset {
                word
            } else {
                value.unwrap_or_default()
            }),
            Some('+') => Ok(if empty_or_unset { String::new() } else { word }),
            Some('?') => {
                let default_message = match value {
                    None => "is not allowed to be unset",
                    Some(_) if empty_or_unset => "is not allowed to be empty",
                    Some(v) => return Ok(v),
                };
                let message = if word.is_empty() {
                    default_message.to_string()
                } else {
                    word
                };
                Err(ExpandErrorKind::Required {
                    name: name.to_string(),
                    message,
                })
            }
            Some(op @ ('#' | '%')) => {
                let value = value.unwrap_or_default();
                let (greedy, pattern_text) = match word.strip_prefix(op) {
                    Some(rest) => (true, rest),
                    None => (false, word.as_str()),
                };
                let trimmed = if op == '%' {
                    pattern::trim_suffix(pattern_text, &value, greedy)
                } else {
                    pattern::trim_prefix(pattern_text, &value, greedy)
                };
                trimmed.map_err(|detail| ExpandErrorKind::InvalidPattern {
                    pattern: pattern_text.to_string(),
                    detail,
                })
            }
            _ => Err(ExpandErrorKind::UnsupportedModifier(modifier_text)),
        }
    }

    /// `${name/pattern/replacement}` and `${name//pattern/replacement}`.
    fn process_replacement(&mut self, name: &str) -> Step<String> {
        let all = self.cursor.peek() == Some('/');
        if all {
            self.cursor.next();
        }
        let pattern_text = self.process_inner('/', true, ExpandErrorKind::MissingSlash)?;
        let replacement = self.process_inner('}', true, ExpandErrorKind::MissingBrace)?;
        let Some(value) = self.get_env(name) else {
            if self.options.skip_unset_env {
                return Ok(format!("${{{name}/{pattern_text}/{replacement}}}"));
            }
            return replace_in(&pattern_text, "", &replacement, all);
        };
        replace_in(&pattern_text, &value, &replacement, all)
    }

    /// An inner word of `${...}` up to `stop`. Any error that leaves the cursor at the
    /// end of the word becomes `at_end` (BuildKit reports the missing delimiter).
    fn process_inner(
        &mut self,
        stop: char,
        raw_escapes: bool,
        at_end: ExpandErrorKind,
    ) -> Step<String> {
        match self.process_until(Some(stop), raw_escapes, false) {
            Ok((word, _)) => Ok(word),
            Err(_) if self.cursor.peek().is_none() => Err(at_end),
            Err(err) => Err(err),
        }
    }
}

fn replace_in(pattern_text: &str, value: &str, replacement: &str, all: bool) -> Step<String> {
    pattern::replace(pattern_text, value, replacement, all).map_err(|detail| {
        ExpandErrorKind::InvalidPattern {
            pattern: pattern_text.to_string(),
            detail,
        }
    })
}

/// Go's `string(rune)`, where the end of input (-1) becomes U+FFFD.
fn display_char(ch: Option<char>) -> char {
    ch.unwrap_or(char::REPLACEMENT_CHARACTER)
}
