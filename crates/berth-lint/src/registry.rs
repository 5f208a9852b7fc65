//! Every registered rule: the engine's own codes, then hadolint's DL rules, BuildKit's checks
//! and berth's cache rules.

use crate::rule::RuleEntry;
use crate::rules;

/// Every rule, in family order (engine codes, hadolint, BuildKit, berth; then the test
/// rules when the `test-rules` feature is on).
///
/// ```
/// let codes: Vec<&str> = berth_lint::registry::all().map(|e| e.meta.code).collect();
/// assert!(codes.contains(&"DL1000"));
/// ```
pub fn all() -> impl Iterator<Item = &'static RuleEntry> {
    rules::meta::RULES
        .iter()
        .chain(rules::hadolint::RULES)
        .chain(rules::buildkit::RULES)
        .chain(rules::berth::RULES)
        .chain(test_rules())
}

/// The rules that exist only for tests (feature `test-rules`).
fn test_rules() -> &'static [RuleEntry] {
    #[cfg(feature = "test-rules")]
    return rules::test_rules::RULES;
    #[cfg(not(feature = "test-rules"))]
    return &[];
}

/// The rule with exactly this code (`DL3020`, `StageNameCasing`, `BR101`).
pub fn find(code: &str) -> Option<&'static RuleEntry> {
    all().find(|e| e.meta.code == code)
}

/// The rule whose code matches ignoring case (`berth rule dl3020`).
pub fn find_ignore_case(code: &str) -> Option<&'static RuleEntry> {
    all().find(|e| e.meta.code.eq_ignore_ascii_case(code))
}

/// Whether a pragma or config may name this code: a registered rule or a ShellCheck code
/// (`SC` followed by digits).
pub fn is_known_code(code: &str) -> bool {
    find(code).is_some()
        || code
            .strip_prefix("SC")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_documented() {
        let mut seen = HashSet::new();
        for entry in all() {
            let meta = entry.meta;
            assert!(seen.insert(meta.code), "duplicate rule code {}", meta.code);
            assert!(!meta.summary.is_empty(), "{} has no summary", meta.code);
            for section in ["## What it does", "## Why", "## Example", "## How to fix"] {
                assert!(
                    meta.docs.contains(section),
                    "{}'s doc comment lacks a `{section}` section",
                    meta.code
                );
            }
        }
    }

    #[test]
    fn known_codes() {
        assert!(is_known_code("DL1000"));
        assert!(is_known_code("SC2086"));
        assert!(!is_known_code("SC"));
        assert!(!is_known_code("dl1000"));
        assert_eq!(
            find_ignore_case("dl1000").map(|e| e.meta.code),
            Some("DL1000")
        );
    }
}
