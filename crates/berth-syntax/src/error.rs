//! Errors and warnings with spans. Messages are BuildKit's own, word for word.

use crate::span::Span;

/// Which check produced an error. The `Parser` group is what BuildKit's parser
/// (the first stage of `docker build`) rejects; the others come from BuildKit's
/// instructions layer, which runs right after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    // --- parser stage -------------------------------------------------------
    /// `dockerfile line greater than max allowed size of 65535`
    LineTooLong,
    /// `only one <key> parser directive can be used`
    DuplicateDirective,
    /// ``invalid escape token '<v>' does not match ` or \``
    InvalidEscapeToken,
    /// `when using JSON array syntax, arrays must be comprised of strings only`
    JsonNotStrings,
    /// `ENV must have two arguments` / `LABEL must have two arguments`
    MissingValue,
    /// `Syntax error - can't find = in "<word>". Must be of the form: name=value`
    MissingEquals,
    /// `unterminated heredoc`
    UnterminatedHeredoc,
    /// Errors of the heredoc delimiter lexer.
    HeredocDelimiter,
    /// `file with no instructions`
    NoInstructions,
    // --- instructions layer -------------------------------------------------
    /// `unknown instruction: <WORD>`
    UnknownInstruction,
    /// Flag errors: unknown, duplicate, missing or bad values.
    Flag,
    /// Wrong number or form of arguments.
    Arguments,
    /// `invalid name for build stage: ...`
    StageName,
    /// `no build stage in current context`
    NoBuildStage,
    /// `RUN --mount` errors.
    Mount,
    /// HEALTHCHECK errors.
    Healthcheck,
    /// ONBUILD trigger errors.
    Onbuild,
}

impl ErrorCode {
    /// True for errors of BuildKit's parser stage.
    pub fn is_parser_error(self) -> bool {
        matches!(
            self,
            ErrorCode::LineTooLong
                | ErrorCode::DuplicateDirective
                | ErrorCode::InvalidEscapeToken
                | ErrorCode::JsonNotStrings
                | ErrorCode::MissingValue
                | ErrorCode::MissingEquals
                | ErrorCode::UnterminatedHeredoc
                | ErrorCode::HeredocDelimiter
                | ErrorCode::NoInstructions
        )
    }
}

impl ErrorCode {
    /// True for the errors BuildKit's instructions layer raises while it reads one
    /// instruction: `docker build` prints them as `dockerfile parse error on line N: <message>`.
    /// Parser errors, `no build stage in current context` and `RUN --mount` errors (read when
    /// the instruction is dispatched) have no such prefix.
    pub fn is_instruction_error(self) -> bool {
        matches!(
            self,
            ErrorCode::UnknownInstruction
                | ErrorCode::Flag
                | ErrorCode::Arguments
                | ErrorCode::StageName
                | ErrorCode::Healthcheck
                | ErrorCode::Onbuild
        )
    }
}

/// An error BuildKit would report, with the span of the offending text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Which check found it.
    pub code: ErrorCode,
    /// BuildKit's message, exactly (without its `dockerfile parse error on line N:` prefix).
    pub message: String,
    /// The offending token (or the instruction when no single token is to blame).
    pub span: Span,
    /// Index of the instruction the error belongs to, if any.
    pub instruction: Option<usize>,
}

impl SyntaxError {
    /// True for errors of BuildKit's parser stage (see [`ErrorCode::is_parser_error`]).
    pub fn is_parser_error(&self) -> bool {
        self.code.is_parser_error()
    }
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SyntaxError {}

/// A parser warning: BuildKit reports these but still builds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxWarning {
    /// `Empty continuation line found in: <instruction>` style message.
    pub message: String,
    /// The empty line(s): the span of the first empty continuation line.
    pub span: Span,
    /// Index of the instruction.
    pub instruction: usize,
}
