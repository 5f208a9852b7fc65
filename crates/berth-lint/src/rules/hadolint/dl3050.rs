use berth_syntax::Instruction;

use super::helpers::args::args_span;
use super::helpers::labels::label_pairs;
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// With `strict-labels` on, flags a `LABEL` that sets a key outside the label schema
    /// (with an empty schema, every `LABEL`).
    ///
    /// ## Why is this bad?
    /// A strict schema is the complete list of labels an organisation allows; anything else
    /// is a typo of a required label or metadata nobody maintains.
    ///
    /// ## Example
    /// With a strict label schema:
    /// ```yaml
    /// # .hadolint.yaml
    /// label-schema:
    ///   author: text
    /// strict-labels: true
    /// ```
    /// ```dockerfile
    /// LABEL author=me othr=x
    /// ```
    ///
    /// ## How to fix
    /// Remove the label, or add it to the schema:
    /// ```dockerfile
    /// LABEL author=me
    /// ```
    pub struct Dl3050 {}
    meta {
        code: "DL3050",
        family: Hadolint,
        severity: Info,
        kinds: [Label],
        summary: "Superfluous label(s) present",
    }
}

impl Rule for Dl3050 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let settings = ctx.settings();
        if !settings.strict_labels || ctx.in_onbuild() {
            return;
        }
        let pairs = label_pairs(instruction, ctx.dockerfile().escape);
        if let Some(extra) = pairs
            .iter()
            .find(|p| !settings.label_schema.contains_key(&p.key))
        {
            let span = if pairs.is_empty() {
                args_span(instruction)
            } else {
                extra.key_span
            };
            ctx.report(span, "Superfluous label(s) present.")
                .help(format!("`{}` is not in the label schema", extra.key));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::RuleTest;

    #[test]
    fn cases() {
        let mut settings = crate::Settings {
            strict_labels: true,
            ..crate::Settings::default()
        };
        settings
            .label_schema
            .insert("required".into(), crate::LabelType::Text);
        crate::assert_rule!(RuleTest::new::<super::Dl3050>()
            .settings(settings)
            .pass(["\n", "LABEL required=\"foo\"\n"])
            .fail([
                "LABEL other=\"bar\"\n",
                "LABEL required=\"foo\" other=\"bar\"\n"
            ]));
        let not_strict = RuleTest::new::<super::Dl3050>();
        assert!(not_strict.findings("LABEL other=\"bar\"\n").is_empty());
    }
}
