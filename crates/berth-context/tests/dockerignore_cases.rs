//! The 144 cases of `../shared/conformance/dockerignore-cases.json` (moby/patternmatcher's
//! tests plus BuildKit integration cases), read at test time.

mod common;

use berth_context::Matcher;
use serde_json::Value;

#[test]
fn all_dockerignore_cases() {
    let Some(path) = common::shared("conformance/dockerignore-cases.json") else {
        println!(
            "SKIPPED: ../shared/conformance/dockerignore-cases.json not found beside this checkout"
        );
        return;
    };
    let text = std::fs::read_to_string(path).expect("readable cases");
    let cases: Vec<Value> = serde_json::from_str(&text).expect("valid JSON");
    let (mut passed, mut errors) = (0, 0);
    let mut failures = Vec::new();
    for case in &cases {
        let patterns: Vec<&str> = case["patterns"]
            .as_array()
            .expect("patterns")
            .iter()
            .map(|p| p.as_str().expect("pattern string"))
            .collect();
        let path = case["path"].as_str().expect("path");
        let want_error = case["error"].as_bool().unwrap_or(false);
        let got = Matcher::new(&patterns).and_then(|m| m.is_excluded(path));
        let ok = match (&got, want_error) {
            (Err(_), true) => {
                errors += 1;
                true
            }
            (Ok(excluded), false) => *excluded == case["excluded"].as_bool().expect("excluded"),
            _ => false,
        };
        if ok {
            passed += 1;
        } else {
            failures.push(format!("{patterns:?} {path:?}: got {got:?}, want {case}"));
        }
    }
    println!(
        "dockerignore cases: {passed}/{} pass ({errors} pattern errors)",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(cases.len(), 144);
    assert_eq!(errors, 18);
}
