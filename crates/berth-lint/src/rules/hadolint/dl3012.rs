use berth_syntax::Instruction;

use super::helpers::stages::SeenInStage;
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags the second and later `HEALTHCHECK` of a stage (`HEALTHCHECK NONE` included).
    ///
    /// ## Why is this bad?
    /// Only the last `HEALTHCHECK` of the image takes effect; the earlier ones are dead code
    /// that suggests a check which never runs.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM nginx:1.25
    /// HEALTHCHECK CMD curl -f http://localhost/ || exit 1
    /// HEALTHCHECK CMD wget -q -O /dev/null http://localhost/ || exit 1
    /// ```
    ///
    /// ## How to fix
    /// Keep one `HEALTHCHECK` per stage.
    pub struct Dl3012 {
        seen: SeenInStage,
    }
    meta {
        code: "DL3012",
        family: Hadolint,
        severity: Error,
        kinds: [From, Healthcheck],
        summary: "Multiple HEALTHCHECK instructions",
    }
}

impl Rule for Dl3012 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if !ctx.in_onbuild() && self.seen.repeated(instruction) {
            ctx.report(
                instruction.keyword_span,
                "Multiple `HEALTHCHECK` instructions",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3012,
            pass: [
                "FROM scratch\n",
                "FROM scratch\nHEALTHCHECK CMD /bin/bla\n",
                "FROM scratch\nHEALTHCHECK CMD /bin/bla1\nFROM scratch\nHEALTHCHECK CMD /bin/bla2\n",
            ],
            fail: [
                "FROM scratch\nHEALTHCHECK CMD /bin/bla1\nHEALTHCHECK CMD /bin/bla2\n",
                "FROM scratch\nHEALTHCHECK NONE\nHEALTHCHECK CMD /bin/bla2\n",
            ],
        );
    }
}
