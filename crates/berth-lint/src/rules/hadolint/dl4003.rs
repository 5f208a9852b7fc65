use berth_syntax::Instruction;

use super::helpers::stages::SeenInStage;
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags the second and later `CMD` of a stage.
    ///
    /// ## Why is this bad?
    /// Only the last `CMD` takes effect; the earlier ones are dead code that misleads the
    /// reader about what the container runs.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// CMD ["bash"]
    /// RUN make
    /// CMD ["./server"]
    /// ```
    ///
    /// ## How to fix
    /// Keep one `CMD` per stage, normally at the end.
    pub struct Dl4003 {
        seen: SeenInStage,
    }
    meta {
        code: "DL4003",
        family: Hadolint,
        severity: Warning,
        kinds: [From, Cmd],
        summary: "Multiple CMD instructions found",
    }
}

impl Rule for Dl4003 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if !ctx.in_onbuild() && self.seen.repeated(instruction) {
            ctx.report(
                instruction.keyword_span,
                "Multiple `CMD` instructions found. If you list more than one `CMD` then only \
                 the last `CMD` will take effect",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl4003,
            pass: [
                "FROM debian as distro1\nCMD bash\nRUN foo\nFROM debian as distro2\nCMD another\n",
                "CMD /bin/true\n",
                "FROM debian\nONBUILD CMD a\nCMD b\n",
            ],
            fail: [
                "FROM debian\nCMD bash\nRUN foo\nCMD another\n",
                "FROM debian as distro1\nCMD bash\nRUN foo\nCMD another\nFROM debian as distro2\nCMD another\n",
            ],
        );
    }
}
