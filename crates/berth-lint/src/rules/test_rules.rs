//! Rules that exist only to test the engine: compiled with the cargo feature `test-rules`,
//! which the `berth` package turns on for its own tests and never for a release.

use berth_syntax::Instruction;

use crate::context::LintContext;
use crate::rule::Rule;

/// What BR999 looks for in a RUN's text before it panics.
pub const PANIC_TRIGGER: &str = "berth-test-panic";

crate::declare_rule! {
    /// ## What it does
    /// Panics on a `RUN` whose text contains `berth-test-panic`, so that tests can check that
    /// a rule's panic becomes an internal-error finding (BR000) for that file alone. It
    /// exists only in test builds and runs only when selected (`--select BR999`).
    ///
    /// ## Why is this bad?
    /// It is not; the rule is a test fixture.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine
    /// RUN berth-test-panic
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM alpine
    /// RUN true
    /// ```
    pub struct Br999 {}
    meta {
        code: "BR999",
        family: Berth,
        severity: Error,
        kinds: [Run],
        summary: "Test rule: panics on a RUN that says `berth-test-panic`",
        default_enabled: false,
    }
}

impl Rule for Br999 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.text(instruction.span).contains(PANIC_TRIGGER) {
            panic!("BR999 panics on `{PANIC_TRIGGER}`, as it is meant to");
        }
    }
}

/// The test rules.
pub static RULES: &[crate::rule::RuleEntry] = &[crate::rule::RuleEntry {
    meta: &<Br999 as crate::rule::RuleMeta>::META,
    new: crate::rule::new_boxed::<Br999>,
}];
