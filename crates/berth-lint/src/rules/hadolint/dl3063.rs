use berth_syntax::image::FromParts;
use berth_syntax::Instruction;

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a stage named `scratch` or `context`.
    ///
    /// ## Why is this bad?
    /// Both names already mean something to BuildKit: `scratch` is the empty image and
    /// `context` the build context (`COPY --from=context`, named contexts). A stage with
    /// either name makes `FROM scratch` or `--from=context` ambiguous.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.22 AS context
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM golang:1.22 AS build
    /// ```
    pub struct Dl3063 {}
    meta {
        code: "DL3063",
        family: Hadolint,
        severity: Warning,
        kinds: [From],
        summary: "stage name should not be a reserved word",
    }
}

impl Rule for Dl3063 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let Some(from) = FromParts::of(instruction).filter(|_| !ctx.in_onbuild()) else {
            return;
        };
        if let Some((alias @ ("scratch" | "context"), span)) = from.alias {
            ctx.report(span, "stage name should not be a reserved word")
                .help(format!(
                    "`{alias}` already names something else in BuildKit; pick another stage name"
                ));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3063,
            pass: ["FROM foo:bar AS foobar\n", "FROM scratch\n"],
            fail: ["FROM foo:bar AS scratch\n", "FROM foo:bar AS context\n"],
        );
    }
}
