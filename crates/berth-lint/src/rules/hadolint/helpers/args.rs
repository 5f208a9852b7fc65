//! An instruction's arguments as hadolint reads them: joined into one text, the span they
//! cover, and quotes dropped at the ends.

use berth_syntax::{Instruction, Span};

/// From the first argument to the last (the keyword when there is none).
pub(crate) fn args_span(instruction: &Instruction) -> Span {
    match (instruction.args.first(), instruction.args.last()) {
        (Some(first), Some(last)) => Span::new(first.span.start, last.span.end),
        _ => instruction.keyword_span,
    }
}

/// The instruction's arguments joined by single spaces.
pub(crate) fn joined_args(instruction: &Instruction) -> String {
    let words: Vec<&str> = instruction.args.iter().map(|w| w.value.as_str()).collect();
    words.join(" ")
}

/// hadolint's `dropQuotes`: every `"` and `'` at either end removed.
pub(crate) fn drop_quotes(text: &str) -> &str {
    text.trim_matches(|c| c == '"' || c == '\'')
}
