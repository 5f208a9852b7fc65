use berth_syntax::Instruction;

use super::helpers::stages::SeenInStage;
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags the second and later `ENTRYPOINT` of a stage.
    ///
    /// ## Why is this bad?
    /// Only the last `ENTRYPOINT` takes effect; the earlier ones are dead code that misleads the
    /// reader about what the container runs.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// ENTRYPOINT ["/docker-entrypoint.sh"]
    /// RUN make
    /// ENTRYPOINT ["./server"]
    /// ```
    ///
    /// ## How to fix
    /// Keep one `ENTRYPOINT` per stage.
    pub struct Dl4004 {
        seen: SeenInStage,
    }
    meta {
        code: "DL4004",
        family: Hadolint,
        severity: Error,
        kinds: [From, Entrypoint],
        summary: "Multiple ENTRYPOINT instructions found",
    }
}

impl Rule for Dl4004 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if !ctx.in_onbuild() && self.seen.repeated(instruction) {
            ctx.report(
                instruction.keyword_span,
                "Multiple `ENTRYPOINT` instructions found. If you list more than one `ENTRYPOINT` \
                 then only the last `ENTRYPOINT` will take effect",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl4004,
            pass: [
                "FROM busybox\n",
                "FROM debian as distro1\nENTRYPOINT bash\nRUN foo\nFROM debian as distro2\nENTRYPOINT another\n",
                "ENTRYPOINT /bin/true\n",
                "FROM debian\nONBUILD ENTRYPOINT a\nENTRYPOINT b\n",
            ],
            fail: [
                "FROM debian\nENTRYPOINT bash\nRUN foo\nENTRYPOINT another\n",
                "FROM debian as distro1\nENTRYPOINT bash\nRUN foo\nENTRYPOINT another\nFROM debian as distro2\nENTRYPOINT another\n",
            ],
        );
    }
}
