//! The scenario suite without the engine: berth's plan for every scenario must equal
//! the outcome recorded in the scenario file (which `tests/engine.rs` checks against
//! the real engine). Scenarios marked `since: yes` are also planned with `--since HEAD`
//! against a git commit of the first context.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use berth_cache::{plan, record, Baseline, Options};
use common::*;

fn statuses(p: &berth_cache::Plan) -> BTreeMap<usize, String> {
    p.steps
        .iter()
        .map(|s| (s.line, s.status.as_str().to_string()))
        .collect()
}

fn compare(sc: &Scenario, got: &BTreeMap<usize, String>, how: &str) -> Vec<String> {
    let mut problems = vec![];
    for exp in &sc.expect {
        let g = got.get(&exp.line).map(String::as_str).unwrap_or("missing");
        if g != exp.status {
            problems.push(format!(
                "{} ({how}) line {}: berth {g}, expected {}",
                sc.name, exp.line, exp.status
            ));
        }
    }
    for line in got.keys() {
        if !sc.expect.iter().any(|e| e.line == *line) {
            problems.push(format!(
                "{} ({how}): line {line} has no expectation",
                sc.name
            ));
        }
    }
    problems
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=berth",
            "-c",
            "user.email=berth@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn run(sc: &Scenario) -> Vec<String> {
    let work = tempdir();
    let ctx = work.path().join("ctx");
    fs::create_dir(&ctx).unwrap();
    sc.materialize(&ctx).unwrap();
    let state = work.path().join("state.json");
    let before = Options {
        build_args: sc.args.clone(),
        target: sc.target.clone(),
        ..Options::default()
    };
    let after = Options {
        build_args: sc.after_args.clone(),
        target: sc.after_target.clone(),
        ..Options::default()
    };
    if let Err(e) = record(&ctx, &before, &state) {
        return vec![format!("{}: record: {e}", sc.name)];
    }
    if sc.since {
        // The repository holds the context in a subdirectory, so `.git` stays out of it.
        git(work.path(), &["init", "-q"]);
        git(work.path(), &["add", "ctx"]);
        git(work.path(), &["commit", "-q", "-m", "first"]);
    }
    sc.apply_change(&ctx).unwrap();
    let mut problems = match plan(&ctx, &after, &Baseline::State(&state)) {
        Ok(p) => compare(sc, &statuses(&p), "record"),
        Err(e) => vec![format!("{}: plan: {e}", sc.name)],
    };
    if sc.since {
        match plan(&ctx, &after, &Baseline::Since("HEAD")) {
            Ok(p) => problems.extend(compare(sc, &statuses(&p), "--since HEAD")),
            Err(e) => problems.push(format!("{}: plan --since: {e}", sc.name)),
        }
    }
    problems
}

#[test]
fn berth_plans_match_the_recorded_engine_outcomes() {
    let scenarios = all_scenarios();
    assert!(scenarios.len() >= 40, "only {} scenarios", scenarios.len());
    let mut problems = vec![];
    let mut since = 0;
    for sc in &scenarios {
        since += usize::from(sc.since);
        problems.extend(run(sc));
    }
    println!(
        "{} scenarios ({since} also with --since), {} disagreements",
        scenarios.len(),
        problems.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
