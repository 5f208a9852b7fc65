//! Lossless Dockerfile parser that reads a Dockerfile exactly as BuildKit does.
//!
//! The parser never fails and never panics: [`parse`] always returns a
//! [`Dockerfile`] holding every instruction it could read plus every error it
//! found, each with a byte [`Span`] into the source. Line and column are computed
//! only when rendering, with the file's [`LineIndex`].
//!
//! How it is built: a small scanner splits the text into physical lines and joins
//! continuation lines (`scan`); the grammar of an instruction — keyword, flags, JSON
//! arrays, words, `key=value` pairs, heredoc markers, directives — is a set of nom
//! parsers, one per rule of BuildKit's parser (`grammar`); typed instructions and
//! their validation follow BuildKit's instructions layer (`command`).
//!
//! What it reproduces (BuildKit's `frontend/dockerfile/parser` and `instructions`):
//! parser directives (`syntax`, `escape`, `check`) at the top of the file, the
//! escape character (`\` or backtick), continuation lines (with the comment and
//! blank lines BuildKit drops inside them), BOM, CRLF, the 65535-byte line limit,
//! heredocs, JSON (exec) form with BuildKit's fallback to shell form, every
//! instruction and flag with BuildKit's validation errors, and the rule that only
//! ARG may come before the first FROM.
//!
//! The tree is lossless: [`Dockerfile::nodes`] tile the source (directives,
//! comments, blank lines, instructions with their continuation lines and heredoc
//! bodies), so [`Dockerfile::to_source`] gives back the exact text.
//!
//! ```
//! use berth_syntax::{parse, Command, Keyword};
//!
//! let file = parse("FROM alpine AS build\nRUN --mount=type=cache,target=/root/.cache \\\n    make\n");
//! assert!(file.errors.is_empty());
//! assert_eq!(file.instructions[1].keyword, Keyword::Run);
//! assert_eq!(file.instructions[1].original, "RUN --mount=type=cache,target=/root/.cache     make");
//! assert_eq!((file.instructions[1].start_line, file.instructions[1].end_line), (2, 3));
//! match &file.instructions[1].command {
//!     Some(Command::Run(run)) => assert_eq!(run.mounts[0].target.as_deref(), Some("/root/.cache")),
//!     other => panic!("{other:?}"),
//! }
//! assert_eq!(file.stages()[0].name.as_deref(), Some("build"));
//! assert_eq!(file.to_source(), file.source);
//!
//! let bad = parse("FROM a\nCMD [\"echo\", 1]\n");
//! let err = bad.parser_error().unwrap();
//! assert_eq!(err.message, "when using JSON array syntax, arrays must be comprised of strings only");
//! assert_eq!(bad.line_col(err.span.start), (2, 5));
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod ast;
pub mod buildkit;
mod command;
mod error;
pub mod expand;
mod go;
mod grammar;
pub mod image;
mod scan;
pub mod scope;
mod shared;
mod span;
pub mod suggest;

pub use ast::{
    Comment, Directive, Dockerfile, Flag, Heredoc, Instruction, Keyword, Node, NodeKind, Stage,
    Word,
};
pub use command::{
    parse_go_duration, Add, ArgDecl, Command, Copy, From, Healthcheck, KeyValue, Mount, MountKind,
    Run, Sharing, ShellOrExec, Source,
};
pub use error::{ErrorCode, SyntaxError, SyntaxWarning};
pub use go::go_quote;
pub use grammar::directive::DIRECTIVE_NAMES;
pub use scan::MAX_LINE_LEN;
pub use shared::SharedStr;
pub use span::{LineIndex, Span};

/// Parse a Dockerfile. Never fails and never panics; problems are in
/// [`Dockerfile::errors`].
pub fn parse(source: &str) -> Dockerfile {
    scan::parse(std::sync::Arc::from(source))
}

/// Parse a Dockerfile given as bytes. BuildKit reads the file as bytes; invalid
/// UTF-8 sequences are decoded here as U+FFFD (each replacement takes 3 bytes, so
/// spans then refer to [`Dockerfile::source`], the decoded text, not the raw bytes).
pub fn parse_bytes(bytes: &[u8]) -> Dockerfile {
    scan::parse(std::sync::Arc::from(String::from_utf8_lossy(bytes)))
}

/// The README's example (the crate's page on crates.io), run as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
