//! hadolint conformance: every case of `../shared/conformance/hadolint-rule-cases.json` that
//! the real hadolint 2.15.1 binary agrees with (`binary_agrees: true`) must give the same
//! result with berth. The file's format is described in `../shared/reference/hadolint.md` §14:
//! `rule` (a DL code, `SC*` for any ShellCheck code, `*` for "no finding at all"), the
//! `dockerfile` text, `fires`, an optional exact `expect_count`, and an optional `config` with
//! `.hadolint.yaml` keys.
//!
//! Cases listed under `conformance` in `crates/berth-lint/hadolint-differences.toml` are
//! intentional differences: they are counted and printed with their reason, not run.
//! Cases of a rule berth does not register yet are counted and listed as not run (the test
//! says so; it does not pass them off). ShellCheck cases run only when ShellCheck is enabled
//! and on PATH. The test skips with a message when `../shared` is absent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use berth_lint::config::{parse_hadolint_yaml, resolve};
use berth_lint::{Linter, Settings};
use serde_json::Value;

/// `../shared` beside the workspace (or beside the directory holding a git worktree).
fn shared_dir() -> Option<PathBuf> {
    let workspace = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .canonicalize()
        .ok()?;
    workspace
        .ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join("shared"))
        .find(|dir| dir.join("conformance").is_dir())
}

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    intentional: usize,
    not_run: usize,
}

/// (rule, case source) -> reason, from the intentional-differences file.
fn intentional_differences() -> BTreeMap<(String, String), String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/hadolint-differences.toml");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: toml::Table = text.parse().unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = BTreeMap::new();
    let entries = doc.get("difference").and_then(|d| d.as_array());
    for entry in entries.into_iter().flatten() {
        let code = entry["code"].as_str().expect("code").to_string();
        let reason = entry["reason"].as_str().expect("reason").to_string();
        let sources = entry.get("conformance").and_then(|c| c.as_array());
        for source in sources.into_iter().flatten() {
            let source = source
                .as_str()
                .expect("conformance entries are case sources");
            out.insert((code.clone(), source.to_string()), reason.clone());
        }
    }
    out
}

fn settings_for(case: &Value) -> Settings {
    let Some(config) = case.get("config") else {
        return Settings::default();
    };
    // JSON is YAML: the case's config goes through the same reader as `.hadolint.yaml`.
    let text = serde_json::to_string(config).expect("config serialises");
    let (layer, warnings) = parse_hadolint_yaml(&text, Path::new("case.hadolint.yaml"))
        .unwrap_or_else(|e| panic!("case config does not parse: {e}\n{text}"));
    assert!(
        warnings.is_empty(),
        "config warnings {warnings:?} for {text}"
    );
    resolve(&[layer]).settings
}

fn is_hadolint_code(code: &str) -> bool {
    code.starts_with("DL") || code.starts_with("SC")
}

/// ShellCheck cases run when a rule reports ShellCheck findings (a registered code starting
/// with `SC` or named `ShellCheck`) and the `shellcheck` binary is on PATH.
fn shellcheck_available() -> bool {
    let integrated = berth_lint::registry::all().any(|entry| {
        entry.meta.code.starts_with("SC") || entry.meta.code.eq_ignore_ascii_case("shellcheck")
    });
    integrated
        && std::env::var_os("PATH").is_some_and(|paths| {
            std::env::split_paths(&paths).any(|dir| dir.join("shellcheck").is_file())
        })
}

#[test]
fn hadolint_rule_cases() {
    let Some(shared) = shared_dir() else {
        println!("SKIPPED: ../shared/conformance not found; hadolint conformance not run");
        return;
    };
    let path = shared.join("conformance/hadolint-rule-cases.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let cases: Vec<Value> = serde_json::from_str(&text).expect("cases are JSON");
    let shellcheck = shellcheck_available();
    let intentional = intentional_differences();
    let mut intentional_used = BTreeMap::new();

    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut disagreeing = 0;
    for (n, case) in cases.iter().enumerate() {
        if case["binary_agrees"] != Value::Bool(true) {
            disagreeing += 1;
            continue;
        }
        let rule = case["rule"].as_str().expect("rule");
        let tally = tallies.entry(rule.to_string()).or_default();
        let registered = match rule {
            "*" => true,
            "SC*" => shellcheck,
            code if code.starts_with("SC") => shellcheck,
            code => berth_lint::registry::find(code).is_some(),
        };
        if !registered {
            tally.not_run += 1;
            continue;
        }
        let source = case["source"].as_str().unwrap_or("?");
        if let Some(reason) = intentional.get(&(rule.to_string(), source.to_string())) {
            tally.intentional += 1;
            intentional_used.insert(format!("{rule} {source}"), reason);
            continue;
        }
        let dockerfile = case["dockerfile"].as_str().expect("dockerfile");
        let mut settings = settings_for(case);
        // hadolint always runs ShellCheck; berth only when asked to.
        settings.shellcheck = shellcheck;
        let linter = Linter::new(&settings);
        let result = linter.lint(dockerfile, "Dockerfile", None);
        let count = result
            .diagnostics
            .iter()
            .filter(|d| match rule {
                "*" => is_hadolint_code(&d.code),
                "SC*" => d.code.starts_with("SC"),
                code => d.code == code,
            })
            .count();
        let ok = match case.get("expect_count").and_then(Value::as_u64) {
            Some(expected) => count as u64 == expected,
            None if case["fires"] == Value::Bool(true) => count > 0,
            None => count == 0,
        };
        if ok {
            tally.passed += 1;
        } else {
            tally.failed += 1;
            let found: Vec<String> = result
                .diagnostics
                .iter()
                .map(|d| format!("{} {}", d.code, d.message))
                .collect();
            failures.push(format!(
                "case #{n} ({}, {}): {rule} expected {} but found {count}\n{dockerfile}\nfindings: {found:#?}",
                case["source"].as_str().unwrap_or("?"),
                case["variant"].as_str().unwrap_or("plain"),
                match case.get("expect_count").and_then(Value::as_u64) {
                    Some(c) => format!("exactly {c}"),
                    None if case["fires"] == Value::Bool(true) => "at least 1".to_string(),
                    None => "none".to_string(),
                },
            ));
        }
    }

    println!("hadolint conformance ({} cases, {disagreeing} where hadolint 2.15.1 itself disagrees skipped):", cases.len());
    println!(
        "{:<8} {:>6} {:>6} {:>6} {:>7}",
        "rule", "passed", "failed", "intent", "not run"
    );
    let mut total = Tally::default();
    for (rule, t) in &tallies {
        println!(
            "{rule:<8} {:>6} {:>6} {:>6} {:>7}",
            t.passed, t.failed, t.intentional, t.not_run
        );
        total.passed += t.passed;
        total.failed += t.failed;
        total.intentional += t.intentional;
        total.not_run += t.not_run;
    }
    println!(
        "{:<8} {:>6} {:>6} {:>6} {:>7}",
        "total", total.passed, total.failed, total.intentional, total.not_run
    );
    for (case, reason) in &intentional_used {
        println!("intentional difference, {case}: {reason}");
    }
    let not_run: Vec<&String> = tallies
        .iter()
        .filter(|(_, t)| t.not_run > 0)
        .map(|(r, _)| r)
        .collect();
    if !not_run.is_empty() {
        println!(
            "NOT RUN (rule not registered{}): {not_run:?}",
            if shellcheck {
                ""
            } else {
                "; ShellCheck cases need the ShellCheck rule and `shellcheck` on PATH"
            }
        );
    }
    assert!(
        failures.is_empty(),
        "{} conformance case(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
