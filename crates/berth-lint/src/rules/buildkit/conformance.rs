//! BuildKit's own check tests (`../shared/conformance/buildkit-lint-cases.json`, read at
//! test time): for every case, the BuildKit findings berth gives (rule and line) must be
//! the ones BuildKit's lint request (`docker build --check`) expects. The pass rate is
//! printed with every miss; the test fails below 95%. Where a case expects the lint request
//! to fail (`build_error`), berth must report that error word for word (BuildError or
//! DL1000), and no build error elsewhere; cases built with build args are left out of that
//! comparison, since `berth lint` reads files without build args.

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

/// Build errors agree word for word, except that BuildKit names the checks of `lint
/// violation found for rules: A, B` in Go map order: there the names must agree as a set.
fn same_error(wanted: &str, got: &str) -> bool {
    let prefix = "lint violation found for rules: ";
    match (wanted.strip_prefix(prefix), got.strip_prefix(prefix)) {
        (Some(a), Some(b)) => {
            let mut a: Vec<&str> = a.split(", ").collect();
            let mut b: Vec<&str> = b.split(", ").collect();
            a.sort();
            b.sort();
            a == b
        }
        _ => wanted == got,
    }
}

#[test]
fn buildkit_lint_cases() {
    let Some(path) = cases_file() else {
        eprintln!("SKIPPED: ../shared/conformance/buildkit-lint-cases.json not found (set BERTH_SHARED_DIR)");
        return;
    };
    let text = std::fs::read_to_string(&path).expect("read buildkit-lint-cases.json");
    let cases: Vec<Value> = serde_json::from_str(&text).expect("parse buildkit-lint-cases.json");
    let buildkit_codes: Vec<&str> = super::RULES
        .iter()
        .map(|r| r.meta.code)
        .filter(|code| !super::BUILD_ERRORS.contains(code))
        .collect();
    let error_codes = ["DL1000", "BuildError", "BuildArgRequired"];
    let (mut error_cases, mut error_agree, mut error_misses) = (0, 0, Vec::new());
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
        let built_with_args = case["args"]
            .as_object()
            .is_some_and(|args| args.keys().any(|k| k != "BUILDKIT_DOCKERFILE_CHECK"));
        let wanted_error = case["build_error"].as_str();
        let errors: Vec<&str> = result
            .diagnostics
            .iter()
            .filter(|d| error_codes.contains(&d.code.as_ref()))
            .map(|d| d.message.as_str())
            .collect();
        // A real build's error that the lint request does not make (a solve error) is not
        // berth's to report.
        if !built_with_args && case["build_error_regexp"].is_null() {
            error_cases += 1;
            match wanted_error {
                Some(wanted) if errors.iter().any(|e| same_error(wanted, e)) => error_agree += 1,
                None if errors.is_empty() => error_agree += 1,
                _ => error_misses.push(format!(
                    "{name}: expected build error {wanted_error:?}, got {errors:?}"
                )),
            }
        }
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
    println!(
        "buildkit-lint-cases build errors: {error_agree}/{error_cases} cases built without build \
         args give BuildKit's error word for word (or none when it builds)"
    );
    for miss in &error_misses {
        println!("ERROR MISS {miss}");
    }
    assert!(
        error_misses.is_empty(),
        "build errors differ:\n{}",
        error_misses.join("\n")
    );
    assert!(rate >= 95.0, "below 95%:\n{}", misses.join("\n"));
}
