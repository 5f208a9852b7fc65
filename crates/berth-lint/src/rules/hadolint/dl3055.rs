use berth_syntax::Instruction;

use super::helpers::labels::check_typed_labels;
use crate::context::LintContext;
use crate::rule::Rule;
use crate::settings::LabelType;

crate::declare_rule! {
    /// ## What it does
    /// With a label schema configured, flags a label of type `hash` whose value is not a git
    /// commit hash: exactly 7 or 40 lower-case hexadecimal digits.
    ///
    /// ## Why is this bad?
    /// The label is meant to trace the image back to its commit; anything else (a branch
    /// name, a tag, an upper-case or truncated hash) cannot be looked up reliably.
    ///
    /// ## Example
    /// With this label schema:
    /// ```yaml
    /// # .hadolint.yaml
    /// label-schema:
    ///   org.opencontainers.image.revision: hash
    /// ```
    /// ```dockerfile
    /// LABEL org.opencontainers.image.revision="main"
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// ARG GIT_COMMIT
    /// LABEL org.opencontainers.image.revision="43c572f1272b6b3171dd1db9e41b7027128ce080"
    /// ```
    pub struct Dl3055 {}
    meta {
        code: "DL3055",
        family: Hadolint,
        severity: Warning,
        kinds: [Label],
        summary: "Label is not a valid git hash",
    }
}

impl Rule for Dl3055 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_typed_labels(instruction, ctx, LabelType::Hash, is_git_hash, |name| {
            format!("Label `{name}` is not a valid git hash.")
        });
    }
}

fn is_git_hash(text: &str) -> bool {
    matches!(text.len(), 7 | 40) && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use crate::testing::schema_of;
    use crate::testing::RuleTest;

    #[test]
    fn cases() {
        crate::assert_rule!(RuleTest::new::<super::Dl3055>()
            .settings(schema_of("githash", crate::LabelType::Hash))
            .pass([
                "LABEL githash=\"2dbfae9\"\n",
                "LABEL githash=\"43c572f1272b6b3171dd1db9e41b7027128ce080\"\n",
                "LABEL other=\"foo\"\n",
            ])
            .fail([
                "LABEL githash=\"not-git-hash\"\n",
                "LABEL githash=\"2DBFAE9\"\n"
            ]));
    }
}
