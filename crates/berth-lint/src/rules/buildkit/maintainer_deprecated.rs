use berth_syntax::Instruction;

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags every `MAINTAINER` instruction.
    ///
    /// ## Why is this bad?
    /// `MAINTAINER` is deprecated; the image author belongs in a label, where tools look
    /// for it (`org.opencontainers.image.authors`).
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine
    /// MAINTAINER Jane Doe <jane@example.com>
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM alpine
    /// LABEL org.opencontainers.image.authors="jane@example.com"
    /// ```
    pub struct MaintainerDeprecated {}
    meta {
        code: "MaintainerDeprecated",
        family: BuildKit,
        severity: Warning,
        kinds: [Maintainer],
        summary: "The MAINTAINER instruction is deprecated, use a label instead",
        fix: Unsafe,
    }
}

impl Rule for MaintainerDeprecated {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if !super::phase::parse_phase_visits(ctx) {
            return;
        }
        let fix = crate::fix::maintainer_as_label(instruction, ctx.source());
        ctx.report(
            instruction.span,
            "Maintainer instruction is deprecated in favor of using label",
        )
        .help("use `LABEL org.opencontainers.image.authors=\"...\"`")
        .fix(fix);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::MaintainerDeprecated,
            pass: [
                "FROM alpine\nLABEL org.opencontainers.image.authors=\"me\"\n",
                "FROM alpine\nONBUILD MAINTAINER me\n",
            ],
            fail: [
                "FROM alpine\nMAINTAINER Jane Doe <jane@example.com>\n",
                "FROM alpine AS a\nFROM a\nmaintainer me\n",
            ],
        );
    }
}
