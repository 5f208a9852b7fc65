use berth_syntax::Keyword;

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a `CMD`, `ENTRYPOINT` or `HEALTHCHECK` that a later instruction of the same
    /// kind in the same stage overrides. The finding is on the earlier, ignored one. Stages
    /// are independent, even when one is built on another.
    ///
    /// ## Why is this bad?
    /// Only the last of these instructions takes effect; the earlier ones do nothing but
    /// mislead the reader.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine
    /// CMD ["echo", "one"]
    /// CMD ["echo", "two"]
    /// ```
    ///
    /// ## How to fix
    /// Keep only the one that should apply:
    /// ```dockerfile
    /// FROM alpine
    /// CMD ["echo", "two"]
    /// ```
    pub struct MultipleInstructionsDisallowed {}
    meta {
        code: "MultipleInstructionsDisallowed",
        family: BuildKit,
        severity: Warning,
        kinds: [],
        summary: "Multiple instructions of the same type should not be used in the same stage",
    }
}

impl Rule for MultipleInstructionsDisallowed {
    fn finish(&mut self, ctx: &mut LintContext) {
        let file = ctx.dockerfile();
        if !super::phase::later_phases_run(file) {
            return;
        }
        for stage in file.stages() {
            // Index of the last CMD, ENTRYPOINT and HEALTHCHECK seen so far in the stage.
            let mut last: [Option<usize>; 3] = [None; 3];
            for index in stage.instructions.clone() {
                let instruction = &file.instructions[index];
                let slot = match instruction.keyword {
                    Keyword::Cmd => 0,
                    Keyword::Entrypoint => 1,
                    Keyword::Healthcheck => 2,
                    _ => continue,
                };
                if instruction.command.is_none() {
                    continue;
                }
                if let Some(previous) = last[slot].replace(index) {
                    let earlier = &file.instructions[previous];
                    ctx.report(
                        earlier.span,
                        format!(
                            "Multiple {} instructions should not be used in the same stage because only the last one will be used",
                            instruction.keyword_text
                        ),
                    )
                    .label(instruction.span, "this one overrides it")
                    .help("remove the instruction that has no effect");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::MultipleInstructionsDisallowed,
            pass: [
                "FROM alpine\nCMD [\"a\"]\nENTRYPOINT [\"b\"]\nHEALTHCHECK NONE\n",
                "FROM alpine AS a\nCMD [\"a\"]\nFROM a\nCMD [\"b\"]\n",
            ],
            fail: [
                "FROM alpine\nCMD [\"echo\", \"one\"]\nRUN true\nCMD [\"echo\", \"two\"]\n",
                "FROM alpine\nENTRYPOINT a\nENTRYPOINT b\nENTRYPOINT c\n",
                "FROM alpine\nHEALTHCHECK NONE\nHEALTHCHECK CMD true\n",
            ],
        );
    }
}
