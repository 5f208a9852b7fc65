//! Expansion errors, with BuildKit's messages.

use std::fmt;

/// What went wrong while expanding a word. The [`Display`](fmt::Display) text of each
/// kind is BuildKit's message for it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpandErrorKind {
    /// `'...` without its closing quote.
    UnterminatedSingleQuote,
    /// `"...` without its closing quote.
    UnterminatedDoubleQuote,
    /// The end of the word came while looking for `expected` (inner words of `${...}`).
    UnexpectedEnd {
        /// The character that was looked for.
        expected: char,
    },
    /// `${name` (or a modifier's word) without the closing `}`.
    MissingBrace,
    /// `${}`, `${:...}`, `${{...}`.
    BadSubstitution,
    /// A modifier BuildKit does not support, e.g. `${name=word}` or `${name:#word}`.
    UnsupportedModifier(String),
    /// `${name/pattern` without the `/` that starts the replacement.
    MissingSlash,
    /// A `#`, `%` or `/` pattern with an invalid escape.
    InvalidPattern {
        /// The pattern as written.
        pattern: String,
        /// What is wrong with it.
        detail: String,
    },
    /// `${name?msg}` / `${name:?msg}` on an unset (or empty) variable.
    Required {
        /// The variable.
        name: String,
        /// The message written after `?` (or BuildKit's default).
        message: String,
    },
}

impl fmt::Display for ExpandErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpandErrorKind::UnterminatedSingleQuote => {
                f.write_str("unexpected end of statement while looking for matching single-quote")
            }
            ExpandErrorKind::UnterminatedDoubleQuote => {
                f.write_str("unexpected end of statement while looking for matching double-quote")
            }
            ExpandErrorKind::UnexpectedEnd { expected } => write!(
                f,
                "unexpected end of statement while looking for matching {expected}"
            ),
            ExpandErrorKind::MissingBrace => f.write_str("syntax error: missing '}'"),
            ExpandErrorKind::BadSubstitution => f.write_str("syntax error: bad substitution"),
            ExpandErrorKind::UnsupportedModifier(modifier) => {
                write!(f, "unsupported modifier ({modifier}) in substitution")
            }
            ExpandErrorKind::MissingSlash => f.write_str("syntax error: missing '/' in ${}"),
            ExpandErrorKind::InvalidPattern { pattern, detail } => {
                write!(f, "invalid pattern ({pattern}) in substitution: {detail}")
            }
            ExpandErrorKind::Required { name, message } => write!(f, "{name}: {message}"),
        }
    }
}

/// A word that could not be expanded.
///
/// Displays as BuildKit does: `failed to process "<word>": <message>`.
///
/// ```
/// use berth_syntax::expand::{ExpandErrorKind, Lexer};
/// let err = Lexer::new('\\').expand_word("${PWD", &()).unwrap_err();
/// assert_eq!(err.kind(), &ExpandErrorKind::UnsupportedModifier("\u{fffd}".into()));
/// let err = Lexer::new('\\').expand_word("a${b:-c", &()).unwrap_err();
/// assert_eq!(err.to_string(), r#"failed to process "a${b:-c": syntax error: missing '}'"#);
/// assert_eq!(err.message(), "syntax error: missing '}'");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpandError {
    kind: ExpandErrorKind,
    word: String,
    offset: usize,
    /// Names looked up and found unset before the error.
    unmatched: std::collections::BTreeSet<String>,
}

impl ExpandError {
    pub(crate) fn new(kind: ExpandErrorKind, word: &str, offset: usize) -> Self {
        ExpandError {
            kind,
            word: word.to_string(),
            offset,
            unmatched: Default::default(),
        }
    }

    pub(crate) fn with_unmatched(mut self, unmatched: std::collections::BTreeSet<String>) -> Self {
        self.unmatched = unmatched;
        self
    }

    /// The names the lexer looked up and found unset before it stopped: BuildKit reports
    /// them (UndefinedVar, UndefinedArgInFrom) even for a word it then fails on.
    ///
    /// ```
    /// use berth_syntax::expand::Lexer;
    /// let err = Lexer::new('\\').expand_word("${templateOption:imageVariant}", &()).unwrap_err();
    /// assert!(err.unmatched().contains("templateOption"));
    /// ```
    pub fn unmatched(&self) -> &std::collections::BTreeSet<String> {
        &self.unmatched
    }

    /// What went wrong.
    pub fn kind(&self) -> &ExpandErrorKind {
        &self.kind
    }

    /// BuildKit's message without the `failed to process "..."` prefix.
    pub fn message(&self) -> String {
        self.kind.to_string()
    }

    /// The word that was being expanded.
    pub fn word(&self) -> &str {
        &self.word
    }

    /// Byte offset in [`word`](Self::word) where the lexer stopped (where the problem
    /// was noticed; for an unterminated quote or brace this is the end of the word).
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for ExpandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "failed to process {}: {}",
            go_quote(&self.word),
            self.kind
        )
    }
}

impl std::error::Error for ExpandError {}

/// Go's `%q` of a string (`strconv.Quote`): the parser's implementation, shared so error
/// messages from expansion and from the parser quote words the same way.
pub(crate) use crate::go::go_quote;

#[cfg(test)]
mod tests {
    use super::go_quote;

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("x\ty\u{1}"), r#""x\ty\x01""#);
        assert_eq!(go_quote("한국어"), "\"한국어\"");
        assert_eq!(go_quote("\u{a0}"), r#""\u00a0""#);
    }
}
