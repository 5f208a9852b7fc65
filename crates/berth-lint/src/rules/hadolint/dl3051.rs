use berth_syntax::Instruction;

use super::helpers::labels::label_pairs;
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// With a label schema configured, flags a schema label set to an empty value.
    ///
    /// ## Why is this bad?
    /// An empty required label satisfies the letter of the schema but carries no information;
    /// it usually comes from a build argument nobody passed.
    ///
    /// ## Example
    /// With this label schema:
    /// ```yaml
    /// # .hadolint.yaml
    /// label-schema:
    ///   version: text
    /// ```
    /// ```dockerfile
    /// LABEL version=""
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// LABEL version="1.4.2"
    /// ```
    pub struct Dl3051 {}
    meta {
        code: "DL3051",
        family: Hadolint,
        severity: Warning,
        kinds: [Label],
        summary: "Label is empty",
    }
}

impl Rule for Dl3051 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        let pairs = label_pairs(instruction, ctx.dockerfile().escape);
        for name in ctx.settings().label_schema.keys() {
            if let Some(pair) = pairs.iter().find(|p| &p.key == name && p.value.is_empty()) {
                ctx.report(pair.value_span, format!("label `{name}` is empty."));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::schema_of;
    use crate::testing::RuleTest;

    #[test]
    fn cases() {
        crate::assert_rule!(RuleTest::new::<super::Dl3051>()
            .settings(schema_of("emptylabel", crate::LabelType::Text))
            .pass(["LABEL emptylabel=\"foo\"\n", "LABEL other=\"\"\n"])
            .fail(["LABEL emptylabel=\"\"\n", "LABEL a=b emptylabel=\n"]));
    }
}
