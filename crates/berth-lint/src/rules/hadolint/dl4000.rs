use berth_syntax::Instruction;

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `MAINTAINER`.
    ///
    /// ## Why is this bad?
    /// `MAINTAINER` is deprecated; the `org.opencontainers.image.authors` label carries the
    /// same information where tools look for it.
    ///
    /// ## Example
    /// ```dockerfile
    /// MAINTAINER Jane Doe <jane@example.com>
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"
    /// ```
    pub struct Dl4000 {}
    meta {
        code: "DL4000",
        family: Hadolint,
        severity: Error,
        kinds: [Maintainer],
        summary: "MAINTAINER is deprecated",
        fix: Unsafe,
    }
}

impl Rule for Dl4000 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if !ctx.in_onbuild() {
            let fix = crate::fix::maintainer_as_label(instruction, ctx.source());
            ctx.report(instruction.keyword_span, "MAINTAINER is deprecated")
                .help("use `LABEL org.opencontainers.image.authors=\"...\"` instead")
                .fix(fix);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl4000,
            pass: ["FROM debian\n", "FROM debian\nLABEL org.opencontainers.image.authors=me\n"],
            fail: [
                "FROM busybox\nMAINTAINER hudu@mail.com\n",
                "FROM debian\nMAINTAINER Lukas\n",
                "MAINTAINER Lukas\nFROM DEBIAN\n",
            ],
        );
    }
}
