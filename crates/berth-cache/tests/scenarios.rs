//! The scenario suite without the engine: berth's plan for every scenario must equal
//! the outcome recorded in the scenario file for Docker 28, berth's default engine
//! profile (`tests/engine.rs` checks the files against the real engines). Scenarios marked
//! `since: yes` are also planned with `--since HEAD` against a git commit of the first
//! context. The gap scenarios (`tests/scenarios/gaps/`) are planned too, and berth's
//! answers are only reported: they record engine facts the simulator does not reproduce
//! yet.

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

/// The engine profile berth plans for by default.
const DEFAULT_ENGINE: &str = "docker28";

fn compare(sc: &Scenario, got: &BTreeMap<usize, String>, how: &str) -> Vec<String> {
    let mut problems = vec![];
    for exp in &sc.expect_for(DEFAULT_ENGINE) {
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

/// Plans every gap scenario and prints, line by line, what berth answers against what the
/// engines do. It fails only when a gap scenario is malformed: an instruction line of
/// either Dockerfile without an expectation, or an expectation for a line that is not an
/// instruction start.
#[test]
fn gap_scenarios_report_berths_answers() {
    let gaps = gap_scenarios();
    let mut malformed = vec![];
    let (mut lines, mut agree) = (0, 0);
    for sc in &gaps {
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
        let answers = gap_answers(sc, work.path());
        let mut differences = vec![];
        for exp in &sc.expect_for(DEFAULT_ENGINE) {
            lines += 1;
            let berth = match &answers {
                Ok(plan) => plan
                    .get(&exp.line)
                    .cloned()
                    .unwrap_or_else(|| "missing".into()),
                Err(e) => e.clone(),
            };
            let engines: Vec<String> = sc
                .engines
                .iter()
                .map(|engine| {
                    let e = sc
                        .expect_for(engine)
                        .into_iter()
                        .find(|e| e.line == exp.line);
                    let e = e.map(|e| e.engine_status().to_string()).unwrap_or_default();
                    format!("{engine} {e}")
                })
                .collect();
            if berth == exp.status {
                agree += 1;
            } else {
                differences.push(format!(
                    "  line {}: berth {berth}, expected {} ({})",
                    exp.line,
                    exp.status,
                    engines.join(", ")
                ));
            }
        }
        let mark = if differences.is_empty() { "ok" } else { "gap" };
        println!("{mark:4} {}: {}", sc.name, sc.describe);
        for d in differences {
            println!("{d}");
        }
    }
    println!(
        "gap scenarios: {} scenarios, berth gives the expected answer on {agree}/{lines} lines (report only)",
        gaps.len()
    );
    assert!(malformed.is_empty(), "{}", malformed.join("\n"));
}

/// berth's plan for a gap scenario (whose context was already changed in `work/ctx`): the
/// record is made from a fresh copy of the first context.
fn gap_answers(sc: &Scenario, work: &Path) -> Result<BTreeMap<usize, String>, String> {
    let first = work.join("first");
    fs::create_dir(&first).map_err(|e| e.to_string())?;
    sc.materialize(&first)?;
    let state = work.join("state.json");
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
    record(&first, &before, &state).map_err(|e| format!("record error: {e}"))?;
    let plan = plan(&work.join("ctx"), &after, &Baseline::State(&state))
        .map_err(|e| format!("plan error: {e}"))?;
    Ok(statuses(&plan))
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
