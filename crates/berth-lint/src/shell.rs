//! The engine's view inside `RUN`: the shell text of each `RUN`, parsed with berth-shell
//! once per file whichever rules ask (the per-file cache is [`Shared`]), with a map
//! from the parsed text back to the Dockerfile so that findings point at the exact word.
//!
//! Two readings exist. [`shell_of`] is hadolint's: the analysed text chosen as hadolint
//! chooses it (exec form joined, a bare `RUN <<EOF` read from its body), and text the
//! shell parser rejects has no commands, as in hadolint. [`parse_lenient_at`] reads rejected
//! text with berth-shell's fallback tokenizer, for rules that want every command they can
//! find.
//!
//! [`Shared`]: crate::context::Shared

use std::sync::Arc;

use berth_shell::run::{exec_form_text, shell_source, ShellSource};
use berth_shell::{Script, SourceMap, Word};
use berth_syntax::{Command, Instruction, Run, Span};

use crate::context::LintContext;

/// A `RUN`'s analysed shell text, parsed.
pub(crate) struct RunShell {
    /// The parsed text.
    pub script: Script,
    map: SourceMap,
    /// The text came from an exec-form `RUN ["..."]`.
    pub exec_form: bool,
    /// Where the parsed text is written in the Dockerfile.
    at: Span,
}

impl RunShell {
    /// Whether this parse is exactly what [`parse_lenient_at`] would give for `text` written
    /// at `at`: the same shell-form text, read in full by the shell parser.
    pub fn reads_as(&self, text: &str, at: Span) -> bool {
        !self.exec_form && self.at == at && self.script.text() == text && self.script.fully_parsed()
    }

    /// Dockerfile span of a span of the parsed text.
    pub fn span(&self, span: berth_shell::Span) -> Span {
        let s = self.map.span(span);
        Span::new(s.start, s.end)
    }

    /// Dockerfile span of a word.
    pub fn word_span(&self, word: &Word) -> Span {
        self.span(word.span)
    }

    /// Dockerfile span of a command.
    pub fn command_span(&self, command: &berth_shell::Command) -> Span {
        self.span(command.span)
    }
}

/// The typed `RUN` of an instruction.
pub(crate) fn run_of(instruction: &Instruction) -> Option<&Run> {
    match &instruction.command {
        Some(Command::Run(run)) => Some(run),
        _ => None,
    }
}

/// hadolint's reading of a `RUN` (or of the `RUN` inside an `ONBUILD`), parsed once per
/// file and shared by the 30-odd rules that look inside it. `None` for other instructions.
pub(crate) fn shell_of(instruction: &Instruction, ctx: &LintContext) -> Option<Arc<RunShell>> {
    run_of(instruction)?;
    Some(
        ctx.shared()
            .run_shell(instruction.span, || analyse(instruction, ctx.source())),
    )
}

/// Parse any shell text written at `span` of `source` (SHELL's arguments, for DL4006).
pub(crate) fn parse_at(text: &str, source: &str, span: Span) -> RunShell {
    // Like hadolint, a script the shell parser rejects (PowerShell, templates) has no
    // commands; the fallback tokenizer would find commands hadolint never sees.
    parse_text(Script::parse_strict(text), source, span)
}

/// Parse shell text written at `span` of `source`, reading what the shell parser rejects
/// with the fallback tokenizer (berth's own rules want every command they can find).
pub(crate) fn parse_lenient_at(text: &str, source: &str, span: Span) -> RunShell {
    parse_text(Script::parse(text), source, span)
}

fn parse_text(script: Script, source: &str, span: Span) -> RunShell {
    let written = source.get(span.start..span.end).unwrap_or("");
    RunShell {
        map: SourceMap::align(script.text(), written, span.start),
        script,
        exec_form: false,
        at: span,
    }
}

fn analyse(instruction: &Instruction, source: &str) -> RunShell {
    let args_span = match (instruction.args.first(), instruction.args.last()) {
        (Some(first), Some(last)) => Span::new(first.span.start, last.span.end),
        _ => Span::new(instruction.span.end, instruction.span.end),
    };
    let values: Vec<&str> = instruction.args.iter().map(|w| w.value.as_str()).collect();
    let line = exec_form_text(&values);
    if instruction.json {
        let mut shell = parse_at(&line, source, args_span);
        shell.exec_form = true;
        return shell;
    }
    let first_heredoc = instruction.heredocs.first();
    match shell_source(&line, first_heredoc.map(|h| h.content.as_str())) {
        ShellSource::Heredoc { body, start, end } => {
            let heredoc_span = first_heredoc.map_or(args_span, |h| h.span);
            let text = &body[start..end];
            let at = Span::new(heredoc_span.start, heredoc_span.end);
            parse_at(text, source, at)
        }
        ShellSource::CommandLine { start, end } => parse_at(&line[start..end], source, args_span),
    }
}
