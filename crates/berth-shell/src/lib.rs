//! Analysis of Dockerfile `RUN` command text.
//!
//! berth's lint rules look inside shell commands the way hadolint does: they ask which
//! simple commands a `RUN` runs (`apt-get install -y foo`), with which arguments and
//! flags, whether it pipes, whether it changes directory. This crate answers those
//! questions behind a small API of its own:
//!
//! - [`Script::parse`] parses the text as bash with [brush-parser] and flattens it into
//!   every simple [`Command`] (lists, pipelines, subshells, `$( )`, backticks, compound
//!   commands and function bodies included, in source order), the `|` operators, the
//!   heredoc bodies and a small tree of lists and pipelines ([`List`]).
//! - Every [`Word`] keeps its byte [`Span`] in the parsed text and hadolint's
//!   "simplified" value (quotes removed, `$x` written `${x}`, ...), so findings can point
//!   at the exact argument.
//! - The parser never fails and never panics: text brush-parser rejects (PowerShell,
//!   templates, unterminated quotes) goes through a simple tokenizer instead, and the
//!   [`Script`] says so ([`Script::parse_error`]).
//! - [`SourceMap`] maps offsets in the joined `RUN` text back to the Dockerfile.
//! - [`run`] holds the Dockerfile side: which text of a `RUN` is analysed (exec form,
//!   heredocs), non-POSIX shells and shebangs.
//!
//! ```
//! use berth_shell::Script;
//!
//! let script = Script::parse("apt-get update && apt-get install -y curl | tee log");
//! let install = script.commands().find(|c| c.has_args("apt-get", &["install"])).unwrap();
//! assert!(install.has_flag("y"));
//! assert_eq!(install.args_no_flags().map(|w| w.value.as_str()).collect::<Vec<_>>(),
//!            ["install", "curl"]);
//! assert!(script.has_pipes());
//! ```
//!
//! [brush-parser]: https://crates.io/crates/brush-parser

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod case_patterns;
mod command;
mod fallback;
mod heredoc_guard;
mod map;
mod parse;
pub mod run;
mod script;
mod word;

pub use command::{Command, Flag, Redirect, RedirectKind, Word};
pub use map::SourceMap;
pub use parse::quiet_shell_parser_panics;
pub use script::{AndOr, AndOrList, Heredoc, List, Node, Pipeline, Script};

/// A half-open byte range `start..end` into the text a [`Script`] was parsed from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// The first byte.
    pub start: usize,
    /// The byte after the last.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The same span moved `by` bytes to the right.
    pub const fn shift(self, by: usize) -> Self {
        Span {
            start: self.start + by,
            end: self.end + by,
        }
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The text this span covers in `source` (empty when out of range).
    pub fn text(self, source: &str) -> &str {
        source.get(self.start..self.end).unwrap_or("")
    }
}

/// The README's example (the crate's page on crates.io), run as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
