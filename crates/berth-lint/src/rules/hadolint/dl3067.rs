use berth_syntax::{Command, Instruction};

use super::helpers::args::{args_span, drop_quotes};
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `COPY --from=<stage> / /`: copying another stage's whole filesystem.
    ///
    /// ## Why is this bad?
    /// It drags everything of the other stage (package caches, build tools, `/proc` and `/dev`
    /// placeholders) into this one, defeating the point of a multi-stage build, and overwrites
    /// this stage's own files.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12 AS build
    /// FROM debian:12
    /// COPY --from=build / /
    /// ```
    ///
    /// ## How to fix
    /// Copy only what the final image needs: `COPY --from=build /app/bin/ /usr/local/bin/`,
    /// or build `FROM build` directly.
    pub struct Dl3067 {}
    meta {
        code: "DL3067",
        family: Hadolint,
        severity: Warning,
        kinds: [Copy],
        summary: "Do not copy an entire filesystem from another stage",
    }
}

impl Rule for Dl3067 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        let Some(Command::Copy(copy)) = &instruction.command else {
            return;
        };
        if copy.from.is_some()
            && drop_quotes(&copy.dest) == "/"
            && copy.sources.iter().any(|s| drop_quotes(&s.path) == "/")
        {
            ctx.report(
                args_span(instruction),
                "Do not copy an entire filesystem from another stage",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3067,
            pass: [
                "COPY / /\n",
                "COPY --from=build /app /\n",
                "COPY --from=build / /app\n",
            ],
            fail: [
                "COPY --from=build / /\n",
                "COPY --from=build \"/\" \"/\"\n",
                "FROM debian:12 AS b\nFROM debian:12\nCOPY --from=b / /\n",
            ],
        );
    }
}
