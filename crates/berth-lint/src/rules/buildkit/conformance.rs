//! BuildKit's own check tests (`../shared/conformance/buildkit-lint-cases.json`, read at
//! test time): for every case, the BuildKit findings berth gives (rule and line) must be
//! the ones BuildKit's lint request (`docker build --check`) expects. The pass rate is
//! printed with every miss; the test fails below 95%.

use std::path::PathBuf;

use serde_json::Value;

use crate::engine::Linter;
use crate::evidence::BuildContext;
use crate::settings::{CheckConfig, Settings};

/// `$BERTH_SHARED_DIR`, else `../shared` beside the workspace root, else two levels up
/// (a git worktree in a `wt/` folder).
fn cases_file() -> Option<PathBuf> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    std::env::var_os("BERTH_SHARED_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain([root.join("../shared"), root.join("../../shared")])
        .map(|shared| shared.join("conformance/buildkit-lint-cases.json"))
        .find(|path| path.is_file())
}

/// `(rule, line)` pairs, sorted, of an `expected` list.
fn expected_pairs(list: &Value) -> Vec<(String, u64)> {
    let mut pairs: Vec<(String, u64)> = list
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| {
            (
                w["rule"].as_str().unwrap_or_default().to_string(),
                w["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    pairs.sort();
    pairs
}

/// What the build sends of the two-file context, after `.dockerignore`.
fn sent_files(dockerignore: &str) -> Vec<String> {
    let patterns: Vec<Vec<u8>> = berth_context::parse_dockerignore(dockerignore.as_bytes())
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    let matcher = berth_context::Matcher::new(&patterns).expect("valid .dockerignore");
    [".dockerignore", "Dockerfile"]
        .into_iter()
        .filter(|f| matcher.is_excluded(f.as_bytes()) != Ok(true))
        .map(String::from)
        .collect()
}

#[test]
fn buildkit_lint_cases() {
    let Some(path) = cases_file() else {
        eprintln!("SKIPPED: ../shared/conformance/buildkit-lint-cases.json not found (set BERTH_SHARED_DIR)");
        return;
    };
    let text = std::fs::read_to_string(&path).expect("read buildkit-lint-cases.json");
    let cases: Vec<Value> = serde_json::from_str(&text).expect("parse buildkit-lint-cases.json");
    let buildkit_codes: Vec<&str> = super::RULES.iter().map(|r| r.meta.code).collect();
    let (mut passed, mut detail_matches, mut findings_total) = (0, 0, 0);
    let (mut misses, mut detail_misses) = (Vec::new(), Vec::new());
    for case in &cases {
        let name = case["name"].as_str().unwrap_or("?");
        let source = case["dockerfile"].as_str().unwrap_or_default();
        // BuildKit's checks are what is compared: point the run at BuildKit's names, so that a problem hadolint's rules share is
        // reported under the check's name (one problem, one finding).
        let mut settings = Settings {
            prefer_family: Some(crate::meta::Family::BuildKit),
            ..Settings::default()
        };
        if let Some(check) = case["args"]["BUILDKIT_DOCKERFILE_CHECK"].as_str() {
            settings.buildkit_check = CheckConfig::parse(check).ok();
        }
        // The test's build context: the Dockerfile, plus `.dockerignore` when given.
        let dir = tempfile::tempdir().expect("temporary context");
        std::fs::write(dir.path().join("Dockerfile"), source).expect("write Dockerfile");
        let context = case["dockerignore"].as_str().map(|ignore| {
            std::fs::write(dir.path().join(".dockerignore"), ignore).expect("write .dockerignore");
            BuildContext::new(dir.path().to_path_buf(), sent_files(ignore), true)
        });
        let result = Linter::new(&settings).lint(source, "Dockerfile", context.as_ref());
        let found: Vec<_> = result
            .diagnostics
            .iter()
            .filter(|d| buildkit_codes.contains(&d.code.as_ref()))
            .collect();
        let index = berth_syntax::LineIndex::new(source);
        let mut got: Vec<(String, u64)> = found
            .iter()
            .map(|d| (d.code.to_string(), index.line_col(d.span.start).0 as u64))
            .collect();
        got.sort();
        // berth lints every stage, like BuildKit's lint request.
        let wanted_list = match case.get("expected_lint_subrequest") {
            Some(list) if list.is_array() => list,
            _ => &case["expected"],
        };
        let wanted = expected_pairs(wanted_list);
        for w in wanted_list.as_array().into_iter().flatten() {
            findings_total += 1;
            if found
                .iter()
                .any(|d| Some(d.message.as_str()) == w["detail"].as_str())
            {
                detail_matches += 1;
            } else {
                detail_misses.push(format!("{name}: {}", w["detail"]));
            }
        }
        if got == wanted {
            passed += 1;
        } else {
            misses.push(format!("{name}: expected {wanted:?}, got {got:?}"));
        }
    }
    let rate = passed as f64 * 100.0 / cases.len().max(1) as f64;
    println!(
        "buildkit-lint-cases: {passed}/{} cases match on rule and line ({rate:.1}%); \
         {detail_matches}/{findings_total} expected messages matched word for word",
        cases.len()
    );
    for miss in &misses {
        println!("MISS {miss}");
    }
    for miss in &detail_misses {
        println!("MESSAGE DIFFERS {miss}");
    }
    assert!(rate >= 95.0, "below 95%:\n{}", misses.join("\n"));
}
