//! The flags of an instruction that several rules point at: `COPY --from` and
//! `FROM --platform`.

use berth_syntax::{Command, Instruction, Span};

/// The `--from` value of a COPY, as written, and the span of the flag.
pub(crate) fn copy_from(instruction: &Instruction) -> Option<(&str, Span)> {
    let Some(Command::Copy(copy)) = &instruction.command else {
        return None;
    };
    let from = copy.from.as_deref()?;
    let span = instruction
        .flags
        .iter()
        .find(|f| f.name == "from")
        .map_or(instruction.keyword_span, |f| f.span);
    Some((from, span))
}

/// The `--platform` flag of a FROM (the keyword when it has none).
pub(crate) fn platform_span(instruction: &Instruction) -> Span {
    instruction
        .flags
        .iter()
        .find(|f| f.name == "platform")
        .map_or(instruction.keyword_span, |f| f.span)
}
