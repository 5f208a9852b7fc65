//! The scenario suite without the engine: berth's plan for every scenario must equal
//! the outcome recorded in the scenario file, for every engine that can build it, under
//! that engine's profile (Docker 28 is berth's default profile; `docker20` gets
//! `Engine::Docker20`). `tests/engine.rs` checks the files against the real engines.
//! Scenarios marked `since: yes` are also planned with `--since HEAD` against a git
//! commit of the first context.

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

fn compare(sc: &Scenario, engine: &str, got: &BTreeMap<usize, String>, how: &str) -> Vec<String> {
    let mut problems = vec![];
    for exp in &sc.expect_for(engine) {
        let g = got.get(&exp.line).map(String::as_str).unwrap_or("missing");
        if g != exp.status {
            problems.push(format!(
                "{} ({engine}, {how}) line {}: berth {g}, expected {}",
                sc.name, exp.line, exp.status
            ));
        }
    }
    for line in got.keys() {
        if !sc.expect.iter().any(|e| e.line == *line) {
            problems.push(format!(
                "{} ({engine}, {how}): line {line} has no expectation",
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

/// Records the first context, applies the change and plans, under the profile of
/// `engine`; returns the disagreements.
fn run(sc: &Scenario, engine: &str) -> Vec<String> {
    let work = tempdir();
    let ctx = work.path().join("ctx");
    fs::create_dir(&ctx).unwrap();
    sc.materialize(&ctx).unwrap();
    let state = work.path().join("state.json");
    let before = Options {
        build_args: sc.args.clone(),
        target: sc.target.clone(),
        engine: engine_profile(engine),
        ..Options::default()
    };
    let after = Options {
        build_args: sc.after_args.clone(),
        target: sc.after_target.clone(),
        engine: engine_profile(engine),
        ..Options::default()
    };
    if let Err(e) = record(&ctx, &before, &state) {
        return vec![format!("{} ({engine}): record: {e}", sc.name)];
    }
    if sc.since {
        // The repository holds the context in a subdirectory, so `.git` stays out of it.
        git(work.path(), &["init", "-q"]);
        git(work.path(), &["add", "ctx"]);
        git(work.path(), &["commit", "-q", "-m", "first"]);
    }
    sc.apply_change(&ctx).unwrap();
    let mut problems = match plan(&ctx, &after, &Baseline::State(&state)) {
        Ok(p) => compare(sc, engine, &statuses(&p), "record"),
        Err(e) => vec![format!("{} ({engine}): plan: {e}", sc.name)],
    };
    if sc.since {
        match plan(&ctx, &after, &Baseline::Since("HEAD")) {
            Ok(p) => problems.extend(compare(sc, engine, &statuses(&p), "--since HEAD")),
            Err(e) => problems.push(format!("{} ({engine}): plan --since: {e}", sc.name)),
        }
    }
    problems
}

#[test]
fn berth_plans_match_the_recorded_engine_outcomes() {
    let scenarios = all_scenarios();
    assert!(scenarios.len() >= 100, "only {} scenarios", scenarios.len());
    let mut problems = vec![];
    let mut since = 0;
    let mut per_engine: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for sc in &scenarios {
        since += usize::from(sc.since);
        for engine in &sc.engines {
            let found = run(sc, engine);
            let counts = per_engine.entry(engine.as_str()).or_default();
            counts.0 += 1;
            counts.1 += usize::from(found.is_empty());
            problems.extend(found);
        }
    }
    for (engine, (planned, agreeing)) in &per_engine {
        println!("{engine} profile: berth agrees on {agreeing}/{planned} scenarios");
    }
    println!(
        "{} scenarios ({since} also with --since), {} disagreements",
        scenarios.len(),
        problems.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every instruction line of both Dockerfiles of a scenario has an expectation, and every
/// expectation names an instruction line (read without berth's parser).
#[test]
fn every_instruction_of_every_scenario_has_an_expectation() {
    let mut malformed = vec![];
    for sc in &all_scenarios() {
        let work = tempdir();
        let ctx = work.path().join("ctx");
        fs::create_dir(&ctx).unwrap();
        sc.materialize(&ctx).unwrap();
        sc.apply_change(&ctx).unwrap();
        let dockerfile = fs::read_to_string(ctx.join("Dockerfile")).unwrap_or_default();
        let starts = instruction_lines(&dockerfile);
        for exp in &sc.expect {
            if !starts.contains(&exp.line) {
                malformed.push(format!(
                    "{}: line {} is not an instruction",
                    sc.name, exp.line
                ));
            }
        }
        for line in &starts {
            if !sc.expect.iter().any(|e| e.line == *line) {
                malformed.push(format!("{}: line {line} has no expectation", sc.name));
            }
        }
    }
    assert!(malformed.is_empty(), "{}", malformed.join("\n"));
}

/// The 1-based lines where an instruction starts, read without berth's parser: not a
/// blank line, a comment, a continuation of the previous line or a heredoc body.
fn instruction_lines(dockerfile: &str) -> Vec<usize> {
    let mut out = vec![];
    let mut continued = false;
    let mut heredocs: Vec<(String, bool)> = vec![];
    for (i, line) in dockerfile.lines().enumerate() {
        if let Some((delimiter, strip_tabs)) = heredocs.first() {
            let candidate = if *strip_tabs {
                line.trim_start_matches('\t')
            } else {
                line
            };
            if candidate == delimiter {
                heredocs.remove(0);
            }
            continue;
        }
        let trimmed = line.trim();
        let starts = !continued && !trimmed.is_empty() && !trimmed.starts_with('#');
        if starts {
            out.push(i + 1);
        }
        if !continued && trimmed.starts_with('#') {
            continue;
        }
        if starts || continued {
            heredocs.extend(heredoc_delimiters(line));
        }
        continued = trimmed.ends_with('\\');
    }
    out
}

/// The heredoc delimiters a line opens (`<<EOF`, `<<-EOF`, `<<"EOF"`), with whether `-`
/// strips leading tabs.
fn heredoc_delimiters(line: &str) -> Vec<(String, bool)> {
    let mut out = vec![];
    let mut rest = line;
    while let Some(at) = rest.find("<<") {
        rest = &rest[at + 2..];
        let strip = rest.starts_with('-');
        let word = rest.trim_start_matches('-');
        let word: String = word
            .chars()
            .take_while(|c| !c.is_whitespace())
            .filter(|c| *c != '"' && *c != '\'')
            .collect();
        if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.push((word, strip));
        }
    }
    out
}
