use berth_syntax::Command;

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `FROM --platform=$TARGETPLATFORM` (or `${TARGETPLATFORM}`): a platform value
    /// made only of the `TARGETPLATFORM` variable.
    ///
    /// ## Why is this bad?
    /// A stage is built for the target platform unless told otherwise; the flag changes
    /// nothing and suggests that it does.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM --platform=$TARGETPLATFORM alpine
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM alpine
    /// ```
    pub struct RedundantTargetPlatform {}
    meta {
        code: "RedundantTargetPlatform",
        family: BuildKit,
        severity: Warning,
        kinds: [],
        summary: "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior",
    }
}

impl Rule for RedundantTargetPlatform {
    fn finish(&mut self, ctx: &mut LintContext) {
        let file = ctx.dockerfile();
        let Some(scope) = super::phase::scope(ctx) else {
            return;
        };
        for stage in &scope.stages {
            let instruction = &file.instructions[stage.from];
            let Some(Command::From(from)) = &instruction.command else {
                continue;
            };
            let (Some(expression), Some(value)) = (&from.platform, &stage.platform) else {
                continue;
            };
            // BuildKit: the platform's expansion used exactly one variable, TARGETPLATFORM,
            // and nothing else changed its value.
            let lexer = berth_syntax::expand::Lexer::new(file.escape);
            let Ok(out) = lexer.expand_word(expression, &scope.global) else {
                continue;
            };
            let only_target = out.unmatched.is_empty()
                && out.matched.len() == 1
                && out.matched.contains("TARGETPLATFORM");
            if only_target && scope.global.get("TARGETPLATFORM") == Some(value.as_str()) {
                ctx.report(
                    instruction.span,
                    format!(
                        "Setting platform to predefined {expression} in FROM is redundant as this is the default behavior"
                    ),
                )
                .help("remove the `--platform` flag");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::RedundantTargetPlatform,
            pass: [
                "FROM --platform=$BUILDPLATFORM alpine\n",
                "FROM --platform=linux/amd64 alpine AS amd64\n",
                "FROM --platform=${TARGETPLATFORM}-x alpine\n",
            ],
            fail: [
                "FROM --platform=$TARGETPLATFORM alpine\n",
                "FROM --platform=${TARGETPLATFORM} alpine AS a\n",
            ],
        );
    }
}
