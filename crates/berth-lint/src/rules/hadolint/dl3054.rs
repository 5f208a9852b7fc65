use berth_syntax::Instruction;

use super::helpers::labels::check_typed_labels;
use crate::context::LintContext;
use crate::rule::Rule;
use crate::settings::LabelType;

crate::declare_rule! {
    /// ## What it does
    /// With a label schema configured, flags a label of type `spdx` whose value is not one
    /// SPDX license identifier from the SPDX license list (`MIT`, `Apache-2.0`,
    /// `BSD-3-Clause`, ...).
    ///
    /// ## Why is this bad?
    /// License scanners match the identifier exactly; free text and license expressions
    /// (`MIT OR Apache-2.0`) are not recognised as this label's type.
    ///
    /// ## Example
    /// With this label schema:
    /// ```yaml
    /// # .hadolint.yaml
    /// label-schema:
    ///   org.opencontainers.image.licenses: spdx
    /// ```
    /// ```dockerfile
    /// LABEL org.opencontainers.image.licenses="Apache 2"
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// LABEL org.opencontainers.image.licenses="Apache-2.0"
    /// ```
    pub struct Dl3054 {}
    meta {
        code: "DL3054",
        family: Hadolint,
        severity: Warning,
        kinds: [Label],
        summary: "Label is not a valid SPDX identifier",
    }
}

impl Rule for Dl3054 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_typed_labels(instruction, ctx, LabelType::Spdx, is_spdx_id, |name| {
            format!("Label `{name}` is not a valid SPDX identifier.")
        });
    }
}

/// One identifier of the SPDX license list, spelled exactly.
fn is_spdx_id(text: &str) -> bool {
    spdx::license_id(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::is_spdx_id;
    use crate::testing::schema_of;
    use crate::testing::RuleTest;

    #[test]
    fn cases() {
        crate::assert_rule!(RuleTest::new::<super::Dl3054>()
            .settings(schema_of("spdxlabel", crate::LabelType::Spdx))
            .pass([
                "LABEL spdxlabel=\"BSD-3-Clause\"\n",
                "LABEL spdxlabel=\"MIT\"\n",
                "LABEL other=\"fooo\"\n"
            ])
            .fail([
                "LABEL spdxlabel=\"not-spdx\"\n",
                "LABEL spdxlabel=\"MIT OR Apache-2.0\"\n"
            ]));
    }

    #[test]
    fn identifiers() {
        assert!(is_spdx_id("Apache-2.0"));
        assert!(is_spdx_id("GPL-2.0-only"));
        assert!(!is_spdx_id("mit license"));
        assert!(!is_spdx_id(""));
    }
}
