use berth_syntax::Keyword;

use crate::context::LintContext;
use crate::diagnostic::Fix;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Counts the instruction keywords of the build stages written all lower case and all
    /// upper case, and flags every keyword that does not follow the majority (upper case
    /// wins ties), including keywords in mixed case such as `From`.
    ///
    /// ## Why is this bad?
    /// Instructions are case-insensitive, but a file that mixes `RUN` and `run` is harder
    /// to scan, and mixed case is usually a copy-paste from another file.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine
    /// copy app /app
    /// RUN make
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM alpine
    /// COPY app /app
    /// RUN make
    /// ```
    pub struct ConsistentInstructionCasing {}
    meta {
        code: "ConsistentInstructionCasing",
        family: BuildKit,
        severity: Warning,
        kinds: [],
        summary: "All commands within the Dockerfile should use the same casing (either upper or lower)",
        fix: Safe,
    }
}

impl Rule for ConsistentInstructionCasing {
    fn finish(&mut self, ctx: &mut LintContext) {
        let file = ctx.dockerfile();
        if !super::phase::later_phases_run(file) {
            return;
        }
        // Meta ARGs before the first FROM are not stage commands and are not counted.
        let first_from = file
            .instructions
            .iter()
            .position(|i| i.keyword == Keyword::From);
        let Some(first_from) = first_from else {
            return;
        };
        let counted: Vec<_> = file.instructions[first_from..]
            .iter()
            .filter(|i| i.command.is_some())
            .collect();
        let (mut lower, mut upper) = (0, 0);
        for instruction in &counted {
            let word = &instruction.keyword_text;
            if *word == word.to_lowercase() {
                lower += 1;
            } else if *word == word.to_uppercase() {
                upper += 1;
            }
        }
        let majority_lower = lower > upper;
        for instruction in counted {
            let word = &instruction.keyword_text;
            let (fits, casing, fixed) = if majority_lower {
                (
                    *word == word.to_lowercase(),
                    "lowercase",
                    word.to_lowercase(),
                )
            } else {
                (
                    *word == word.to_uppercase(),
                    "uppercase",
                    word.to_uppercase(),
                )
            };
            if !fits {
                let fix = Fix::replace(
                    format!("Write `{fixed}`"),
                    instruction.keyword_span,
                    fixed.clone(),
                );
                ctx.report(
                    instruction.keyword_span,
                    format!(
                        "Command '{word}' should match the case of the command majority ({casing})"
                    ),
                )
                .help(format!("write `{fixed}`"))
                .fix(fix);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::ConsistentInstructionCasing,
            pass: [
                "FROM alpine\nRUN true\n",
                "from alpine\nrun true\n",
                "arg x\nFROM alpine\nRUN true\n",
            ],
            fail: [
                "FROM alpine\ncopy app /app\nRUN make\n",
                "from alpine\nFrom alpine\nrun true\n",
                "from alpine\nRUN true\n",
            ],
        );
    }
}
