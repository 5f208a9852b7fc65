use berth_syntax::Instruction;

use super::helpers::labels::check_typed_labels;
use crate::context::LintContext;
use crate::rule::Rule;
use crate::settings::LabelType;

crate::declare_rule! {
    /// ## What it does
    /// With a label schema configured, flags a label of type `semver` whose value is not a
    /// strict Semantic Versioning 2.0.0 version (`1.2.3`, `2.0.1-rc1`, `1.0.0+build.5`).
    ///
    /// ## Why is this bad?
    /// Release tooling compares these versions; `v1.2.3` or `1.2` break the comparison.
    ///
    /// ## Example
    /// With this label schema:
    /// ```yaml
    /// # .hadolint.yaml
    /// label-schema:
    ///   org.opencontainers.image.version: semver
    /// ```
    /// ```dockerfile
    /// LABEL org.opencontainers.image.version="v1.2"
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// LABEL org.opencontainers.image.version="1.2.0"
    /// ```
    pub struct Dl3056 {}
    meta {
        code: "DL3056",
        family: Hadolint,
        severity: Warning,
        kinds: [Label],
        summary: "Label does not conform to semantic versioning",
    }
}

impl Rule for Dl3056 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_typed_labels(instruction, ctx, LabelType::Semver, is_semver, |name| {
            format!("Label `{name}` does not conform to semantic versioning.")
        });
    }
}

fn is_semver(text: &str) -> bool {
    semver::Version::parse(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::is_semver;
    use crate::testing::schema_of;
    use crate::testing::RuleTest;

    #[test]
    fn cases() {
        crate::assert_rule!(RuleTest::new::<super::Dl3056>()
            .settings(schema_of("semver", crate::LabelType::Semver))
            .pass([
                "LABEL semver=\"1.0.0\"\n",
                "LABEL semver=\"2.0.1-rc1\"\n",
                "LABEL other=\"foo\"\n"
            ])
            .fail([
                "LABEL semver=\"not-sem-ver\"\n",
                "LABEL semver=\"v1.2.3\"\n"
            ]));
    }

    #[test]
    fn versions() {
        assert!(is_semver("1.0.0+build.5"));
        assert!(!is_semver("1.2"));
        assert!(!is_semver("01.2.3"));
    }
}
