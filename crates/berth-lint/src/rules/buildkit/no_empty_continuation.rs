use berth_syntax::{Instruction, Span};

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags an instruction whose continuation lines (lines ending in the escape character)
    /// contain an empty, whitespace-only line.
    ///
    /// ## Why is this bad?
    /// BuildKit silently drops the empty line and keeps joining, but older builders ended
    /// the instruction there, and a future BuildKit will too: the lines after the gap would
    /// then become instructions of their own.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine
    /// RUN apk add \
    ///
    ///     curl
    /// ```
    ///
    /// ## How to fix
    /// Remove the empty line (a comment line is fine):
    /// ```dockerfile
    /// FROM alpine
    /// RUN apk add \
    ///     curl
    /// ```
    pub struct NoEmptyContinuation {}
    meta {
        code: "NoEmptyContinuation",
        family: BuildKit,
        severity: Warning,
        kinds: [From, Run, Cmd, Label, Maintainer, Expose, Env, Add, Copy, Entrypoint, Volume,
                User, Workdir, Arg, Onbuild, Stopsignal, Healthcheck, Shell, Unknown],
        summary: "Empty continuation lines will become errors in a future release",
    }
}

impl Rule for NoEmptyContinuation {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.dockerfile().is_rejected_by_parser()
            || ctx.in_onbuild()
            || !instruction.empty_continuation_line
        {
            return;
        }
        // BuildKit reports the instruction's last line.
        let span = instruction.span;
        let last_line_start = ctx.source()[span.start..span.end]
            .rfind('\n')
            .map_or(span.start, |i| span.start + i + 1);
        ctx.report(
            Span::new(last_line_start, span.end),
            "Empty continuation line",
        )
        .help("delete the empty line inside the continuation");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::NoEmptyContinuation,
            pass: [
                "FROM alpine\nRUN apk add \\\n    curl\n",
                "FROM alpine\nRUN apk add \\\n# comment\n    curl\n",
                "FROM alpine\n\nRUN true\n",
            ],
            fail: [
                "FROM alpine\nRUN apk add \\\n\n    curl\n",
                "FROM alpine\nCOPY a \\\n  \t\n  b \\\n\n  /dst/\n",
            ],
        );
    }
}
