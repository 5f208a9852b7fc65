use berth_syntax::{Instruction, Keyword};

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a stage name (`FROM image AS Name`) that contains upper-case letters.
    ///
    /// ## Why is this bad?
    /// BuildKit lower-cases stage names: `--target Build`, `COPY --from=Build` and
    /// `FROM build` all find the stage `Build`, so the mixed-case spelling suggests a
    /// distinction that does not exist.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine AS BuilderBase
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM alpine AS builder-base
    /// ```
    pub struct StageNameCasing {}
    meta {
        code: "StageNameCasing",
        family: BuildKit,
        severity: Warning,
        kinds: [From],
        summary: "Stage names should be lowercase",
    }
}

impl Rule for StageNameCasing {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if !super::phase::parse_phase_visits(ctx) || instruction.keyword != Keyword::From {
            return;
        }
        let [_, _, name] = instruction.args.as_slice() else {
            return;
        };
        if name.value != name.value.to_lowercase() {
            ctx.report(
                instruction.span,
                format!("Stage name '{}' should be lowercase", name.value),
            )
            .help(format!("rename the stage to `{}`", name.value.to_lowercase()));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::StageNameCasing,
            pass: [
                "FROM alpine AS build\n",
                "FROM alpine\n",
                "FROM alpine AS build-2.x\nFROM build\n",
            ],
            fail: [
                "FROM alpine AS BuilderBase\n",
                "FROM alpine as BUILD\nRUN true\n",
            ],
        );
    }
}
