//! Variable expansion exactly as BuildKit's shell lexer does it (`$VAR`, `${VAR:-x}`, ...).
//!
//! This is the expansion the builder applies to the arguments of FROM, ENV, LABEL, ARG,
//! COPY, ADD, WORKDIR, USER, VOLUME, STOPSIGNAL and EXPOSE (never to the command text of
//! RUN, CMD or ENTRYPOINT, which the shell in the container expands). One pass over a
//! word removes quotes, applies escapes, substitutes variables and splits words:
//!
//! - `$name`, `${name}`; a name is letters, digits and `_` (Unicode letters and decimal
//!   digits count); a name starting with a digit reads digits only (`$1x` is `$1` then
//!   `x`); `@ * # ? - $ ! 0` are one-character names (never set in a Dockerfile). A `$`
//!   before anything else is literal.
//! - `${name:-word}`, `${name-word}`, `${name:+word}`, `${name+word}`, `${name:?msg}`,
//!   `${name?msg}`; `${name#pat}`, `${name##pat}`, `${name%pat}`, `${name%%pat}`,
//!   `${name/pat/repl}`, `${name//pat/repl}` with `*`, `?`, `\*`, `\?` patterns. The
//!   inner words are expanded too.
//! - `'...'` is literal; in `"..."` variables expand and the escape character escapes
//!   only `"`, `$` and itself; elsewhere the escape character makes the next character
//!   literal and a trailing one is dropped.
//!
//! Every expansion also reports which variable names it looked up and found
//! ([`Expanded::matched`]) and which were unset ([`Expanded::unmatched`]): the
//! `UndefinedVar` check and the cache simulator use them.
//!
//! ```
//! use std::collections::HashMap;
//! use berth_syntax::expand::Lexer;
//!
//! let env = HashMap::from([("VERSION".to_string(), "1.2.3".to_string())]);
//! let lexer = Lexer::new('\\');
//! let out = lexer.expand_word("app-${VERSION%.*}-\"$ARCH\"", &env).unwrap();
//! assert_eq!(out.value, "app-1.2-");
//! assert!(out.matched.contains("VERSION"));
//! assert!(out.unmatched.contains("ARCH"));
//!
//! let words = lexer.expand_words("80 ${PORTS:-443 8080}", &env).unwrap().words;
//! assert_eq!(words, ["80", "443", "8080"]);
//! ```
//!
//! Differences from BuildKit, all deliberate and all in corners:
//! - BuildKit since mid-2024 shares one buffer between the outer word and the inner
//!   word of `${name:-word}`-style modifiers, which in word-splitting mode loses the
//!   text before such a modifier (`a${x:-b}` splits to `["b"]`). berth follows v0.12
//!   and the earlier behaviour (`["ab"]`); single-word results are unaffected.
//! - Names are read with Unicode 14 letter/digit tables (Go has Unicode 15).

mod error;
mod lexer;
mod pattern;
mod unicode;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::BuildHasher;

pub use error::{ExpandError, ExpandErrorKind};

/// Where expansion looks variables up. A name that is absent is unset; a name mapped to
/// `""` is set but empty (which matters for `${name-x}` vs `${name:-x}`).
///
/// Implemented for maps, for arrays, slices and vectors of `(name, value)` pairs (the last
/// pair with a name wins, like BuildKit's environment lists), for references, and for
/// `()` (nothing is set).
pub trait Lookup {
    /// The value of `name`, if it is set.
    fn lookup(&self, name: &str) -> Option<&str>;
}

impl<S: BuildHasher> Lookup for HashMap<String, String, S> {
    fn lookup(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl Lookup for BTreeMap<String, String> {
    fn lookup(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Lookup for [(K, V)] {
    fn lookup(&self, name: &str) -> Option<&str> {
        self.iter()
            .rev()
            .find(|(key, _)| key.as_ref() == name)
            .map(|(_, value)| value.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Lookup for Vec<(K, V)> {
    fn lookup(&self, name: &str) -> Option<&str> {
        self.as_slice().lookup(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> Lookup for [(K, V); N] {
    fn lookup(&self, name: &str) -> Option<&str> {
        self.as_slice().lookup(name)
    }
}

impl<T: Lookup + ?Sized> Lookup for &T {
    fn lookup(&self, name: &str) -> Option<&str> {
        (**self).lookup(name)
    }
}

/// The empty environment.
impl Lookup for () {
    fn lookup(&self, _name: &str) -> Option<&str> {
        None
    }
}

/// The result of expanding one word.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expanded {
    /// Single-word result: quotes removed, escapes applied, variables substituted,
    /// inner whitespace kept.
    pub value: String,
    /// Word-splitting result: the value split on unquoted, unescaped whitespace
    /// (including whitespace that came from a variable's value).
    pub words: Vec<String>,
    /// Names that were looked up and set.
    pub matched: BTreeSet<String>,
    /// Names that were looked up and unset.
    pub unmatched: BTreeSet<String>,
}

/// BuildKit's shell lexer, configured with the Dockerfile's escape character and a few
/// modes. Cheap to copy; expansion does not mutate it, so one lexer can serve many
/// threads.
///
/// ```
/// use berth_syntax::expand::Lexer;
/// // Raw mode, as the parser uses it to find heredoc words: quotes and escapes are
/// // kept and unset variables are left as written.
/// let raw = Lexer::new('\\').raw_quotes(true).raw_escapes(true).skip_unset_env(true);
/// let out = raw.expand_words(r#"cat <<"EOF" $x \$y"#, &()).unwrap();
/// assert_eq!(out.words, ["cat", "<<\"EOF\"", "$x", "\\$y"]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lexer {
    escape: char,
    raw_quotes: bool,
    raw_escapes: bool,
    skip_process_quotes: bool,
    skip_unset_env: bool,
    heredoc_spacing: bool,
}

impl Default for Lexer {
    /// A lexer with the default escape character `\`.
    fn default() -> Self {
        Lexer::new('\\')
    }
}

impl Lexer {
    /// A lexer for a Dockerfile whose escape character is `escape` (`\` or `` ` ``).
    pub fn new(escape: char) -> Self {
        Lexer {
            escape,
            raw_quotes: false,
            raw_escapes: false,
            skip_process_quotes: false,
            skip_unset_env: false,
            heredoc_spacing: false,
        }
    }

    /// The escape character.
    pub fn escape(&self) -> char {
        self.escape
    }

    /// Keep quote characters in the result (BuildKit's `RawQuotes`).
    pub fn raw_quotes(mut self, on: bool) -> Self {
        self.raw_quotes = on;
        self
    }

    /// Keep escape characters in the result (BuildKit's `RawEscapes`).
    pub fn raw_escapes(mut self, on: bool) -> Self {
        self.raw_escapes = on;
        self
    }

    /// Treat quotes as ordinary characters (BuildKit's `SkipProcessQuotes`, used for
    /// heredoc bodies: variables expand, quotes stay).
    pub fn skip_process_quotes(mut self, on: bool) -> Self {
        self.skip_process_quotes = on;
        self
    }

    /// Leave references to unset variables as written, e.g. `$x`, `${x:-y}`
    /// (BuildKit's `SkipUnsetEnv`).
    pub fn skip_unset_env(mut self, on: bool) -> Self {
        self.skip_unset_env = on;
        self
    }

    /// Keep `<<` and the blanks after it in one word, so `<< EOF` is one heredoc word
    /// (BuildKit v0.22 and later; v0.12, whose parser the `buildkit-json` dump follows,
    /// splits it). Off by default.
    pub fn heredoc_spacing(mut self, on: bool) -> Self {
        self.heredoc_spacing = on;
        self
    }

    /// Expand `word` against `env`. Both the single-word result and the split words
    /// are computed (as BuildKit does, in one pass).
    pub fn expand<L: Lookup + ?Sized>(&self, word: &str, env: &L) -> Result<Expanded, ExpandError> {
        let mut processor = lexer::WordProcessor::new(self, word, env);
        match processor.process() {
            Ok((value, words)) => Ok(Expanded {
                value,
                words,
                matched: std::mem::take(&mut processor.matched),
                unmatched: std::mem::take(&mut processor.unmatched),
            }),
            Err(kind) => Err(ExpandError::new(kind, word, processor.offset())
                .with_unmatched(std::mem::take(&mut processor.unmatched))),
        }
    }

    /// Single-word mode (BuildKit's `ProcessWord`): use [`Expanded::value`].
    pub fn expand_word<L: Lookup + ?Sized>(
        &self,
        word: &str,
        env: &L,
    ) -> Result<Expanded, ExpandError> {
        self.expand(word, env)
    }

    /// Word-splitting mode (BuildKit's `ProcessWords`): use [`Expanded::words`].
    pub fn expand_words<L: Lookup + ?Sized>(
        &self,
        word: &str,
        env: &L,
    ) -> Result<Expanded, ExpandError> {
        self.expand(word, env)
    }
}
