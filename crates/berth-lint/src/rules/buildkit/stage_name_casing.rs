use berth_syntax::{Command, Instruction, Keyword, Word};

use crate::context::LintContext;
use crate::diagnostic::{Applicability, Edit, Fix};
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
        fix: Safe,
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
            let fix = rename_stage(ctx, name);
            ctx.report(
                instruction.span,
                format!("Stage name '{}' should be lowercase", name.value),
            )
            .help(format!(
                "rename the stage to `{}`",
                name.value.to_lowercase()
            ))
            .fix(fix);
        }
    }
}

/// The stage renamed in lower case, with the `FROM name` and `COPY --from=name` that
/// spell it the same way. Safe: BuildKit looks stage names up in lower case, so any
/// reference left in another spelling still finds the stage.
fn rename_stage(ctx: &LintContext, name: &Word) -> Fix {
    let lower = name.value.to_lowercase();
    let source = ctx.source();
    let mut edits = vec![Edit {
        span: name.span,
        replacement: lower.clone(),
    }];
    for instruction in &ctx.dockerfile().instructions {
        match &instruction.command {
            Some(Command::From(from)) if from.image == name.value => edits.push(Edit {
                span: from.image_span,
                replacement: lower.clone(),
            }),
            Some(Command::Copy(_)) => {
                let written = format!("--from={}", name.value);
                edits.extend(
                    instruction
                        .flags
                        .iter()
                        .filter(|f| source.get(f.span.start..f.span.end) == Some(written.as_str()))
                        .map(|f| Edit {
                            span: f.span,
                            replacement: format!("--from={lower}"),
                        }),
                );
            }
            _ => {}
        }
    }
    Fix {
        message: format!("Rename the stage to `{lower}`"),
        edits,
        applicability: Applicability::Safe,
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
                "FROM alpine AS Build\nFROM Build AS Test\nCOPY --from=Build /a /a\nCOPY --from=BUILD /b /b\n",
            ],
        );
    }
}
