//! Test helper for rule files: run one rule over pass and fail cases and snapshot the findings.
//!
//! ```ignore
//! #[cfg(test)]
//! mod tests {
//!     #[test]
//!     fn cases() {
//!         crate::assert_rule!(super::Dl3020,
//!             pass: ["FROM a\nCOPY x /x\n", "FROM a\nADD https://e.com/x.tgz /x\n"],
//!             fail: ["FROM a\nADD x /x\n"],
//!         );
//!     }
//! }
//! ```
//!
//! Every pass case must give no finding of the rule, every fail case at least one. The fail
//! cases' findings are rendered and compared with `snapshots/<CODE>.snap` next to the rule
//! file (`cargo insta review` or `INSTA_UPDATE=always cargo test -p berth-lint` to accept).

use std::fmt::Write;

use crate::diagnostic::Diagnostic;
use crate::engine::Linter;
use crate::evidence::BuildContext;
use crate::registry;
use crate::rule::{Rule, RuleMeta};
use crate::settings::Settings;

/// One rule's cases; build with [`RuleTest::new`], run with [`assert_rule!`](crate::assert_rule).
pub struct RuleTest {
    code: &'static str,
    name: Option<String>,
    settings: Settings,
    context: Option<BuildContext>,
    pass: Vec<String>,
    fail: Vec<String>,
}

impl RuleTest {
    /// Cases for rule `R` (which must be registered in its family's `mod.rs`).
    pub fn new<R: Rule + RuleMeta>() -> Self {
        RuleTest {
            code: R::META.code,
            name: None,
            settings: Settings::default(),
            context: None,
            pass: Vec::new(),
            fail: Vec::new(),
        }
    }

    /// The snapshot's name when a rule has several snapshotted tests (default: the code).
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    /// Settings for every case (trusted registries, label schema, ...).
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// A build context for every case (for the BR cache rules' evidence).
    pub fn context(mut self, context: BuildContext) -> Self {
        self.context = Some(context);
        self
    }

    /// Dockerfiles on which the rule must stay quiet.
    pub fn pass<S: AsRef<str>>(mut self, cases: impl IntoIterator<Item = S>) -> Self {
        self.pass
            .extend(cases.into_iter().map(|s| s.as_ref().to_string()));
        self
    }

    /// Dockerfiles on which the rule must fire.
    pub fn fail<S: AsRef<str>>(mut self, cases: impl IntoIterator<Item = S>) -> Self {
        self.fail
            .extend(cases.into_iter().map(|s| s.as_ref().to_string()));
        self
    }

    /// The rule's findings on one Dockerfile (only this rule runs; pragmas apply).
    pub fn findings(&self, source: &str) -> Vec<Diagnostic> {
        let entry = registry::find(self.code).unwrap_or_else(|| {
            panic!(
                "rule {} is not registered: add it to its family's rules/<family>/mod.rs",
                self.code
            )
        });
        let linter = Linter::with_rules(&self.settings, vec![entry]);
        linter
            .lint(source, "Dockerfile", self.context.as_ref())
            .diagnostics
            .into_iter()
            .filter(|d| d.code == self.code)
            .collect()
    }

    /// Checks every case; returns the snapshot name (the code) and the rendered fail cases.
    pub fn run(&self) -> (String, String) {
        for (n, case) in self.pass.iter().enumerate() {
            let found = self.findings(case);
            assert!(
                found.is_empty(),
                "{} fired on pass case {}:\n{case}\n{}",
                self.code,
                n + 1,
                render(case, &found)
            );
        }
        let mut out = String::new();
        let mut fixes_seen = 0;
        for (n, case) in self.fail.iter().enumerate() {
            let found = self.findings(case);
            assert!(
                !found.is_empty(),
                "{} did not fire on fail case {}:\n{case}",
                self.code,
                n + 1
            );
            fixes_seen += self.check_fixes(case, &found, n + 1);
            let _ = writeln!(out, "── fail case {} ──", n + 1);
            out.push_str(&render(case, &found));
            out.push('\n');
        }
        let declared = registry::find(self.code).and_then(|e| e.meta.fix);
        assert!(
            declared.is_none() || fixes_seen > 0 || self.fail.is_empty(),
            "{} declares a fix but none of its fail cases gets one",
            self.code
        );
        (
            self.name.clone().unwrap_or_else(|| self.code.to_string()),
            out,
        )
    }

    /// Every fix is of the kind the rule declares, and applying it removes a finding of
    /// the rule. Returns how many fixes there were.
    fn check_fixes(&self, case: &str, found: &[Diagnostic], n: usize) -> usize {
        let declared = registry::find(self.code).and_then(|e| e.meta.fix);
        let fixes: Vec<_> = found.iter().filter_map(|d| d.fix.as_ref()).collect();
        for fix in &fixes {
            assert_eq!(
                Some(fix.applicability),
                declared,
                "{}: fail case {n} has a fix of another kind than the rule declares (`fix:` in its meta)",
                self.code
            );
            let fixed = fix.apply(case);
            assert!(
                self.findings(&fixed).len() < found.len(),
                "{}: the fix `{}` does not resolve a finding on fail case {n}:\n{fixed}",
                self.code,
                fix.message
            );
        }
        fixes.len()
    }
}

/// Settings with a one-label schema, for the label-schema rules' tests (DL3049–DL3058).
pub fn schema_of(name: &str, ty: crate::LabelType) -> Settings {
    let mut settings = Settings::default();
    settings.label_schema.insert(name.into(), ty);
    settings
}

/// The source with line numbers, then each finding with its range, message, help and fix.
pub fn render(source: &str, findings: &[Diagnostic]) -> String {
    let index = berth_syntax::LineIndex::new(source);
    let mut out = String::new();
    for (i, line) in source.lines().enumerate() {
        let _ = writeln!(out, "{:>3} │ {line}", i + 1);
    }
    for d in findings {
        let (l1, c1) = index.line_col(d.span.start);
        let (l2, c2) = index.line_col(d.span.end);
        let text = source.get(d.span.start..d.span.end).unwrap_or("");
        let text: String = text.chars().take(60).collect();
        let _ = writeln!(
            out,
            "{} {} {l1}:{c1}-{l2}:{c2} `{}`: {}",
            d.code,
            d.severity,
            text.replace('\n', "⏎"),
            d.message
        );
        for label in &d.labels {
            let (l, c) = index.line_col(label.span.start);
            let _ = writeln!(out, "  label {l}:{c}: {}", label.message);
        }
        if let Some(help) = &d.help {
            let _ = writeln!(out, "  help: {help}");
        }
        if let Some(fix) = &d.fix {
            let _ = writeln!(
                out,
                "  fix ({:?}): {}\n{}",
                fix.applicability,
                fix.message,
                fix.apply(source)
                    .lines()
                    .map(|l| format!("    │ {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
    out
}

/// Runs a rule's pass/fail cases and snapshots the fail cases' findings in
/// `snapshots/<CODE>.snap` beside the rule file.
///
/// `assert_rule!(Rule, pass: [..], fail: [..])`, or `assert_rule!(RuleTest::new::<R>()...)`
/// for cases that need settings or a build context.
#[macro_export]
#[doc(hidden)]
macro_rules! assert_rule {
    ($rule:ty, pass: [$($pass:expr),* $(,)?], fail: [$($fail:expr),* $(,)?] $(,)?) => {
        $crate::assert_rule!($crate::testing::RuleTest::new::<$rule>()
            .pass::<&str>([$($pass),*])
            .fail::<&str>([$($fail),*]))
    };
    ($test:expr) => {{
        let (name, text) = $test.run();
        insta::with_settings!({
            snapshot_path => "snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, text);
        });
    }};
}
