//! The scenario suite against a real engine (DESIGN.md section 5).
//!
//! Runs only when `$BERTH_ENGINE` is 1 and `scripts/engine.sh env 28|20` was evaluated
//! (it names the engine in `$BERTH_ENGINE_VERSION`); otherwise prints SKIPPED and why.
//! For every scenario the engine can build: build the context, apply the change, build
//! again, and compare, step by step, (a) what the engine printed as CACHED with the
//! scenario's expected outcome on that engine and (b) berth's plan, under that engine's
//! profile, with what the engine printed. Both must agree on every scenario.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use common::*;

/// Figures of one scenario run.
#[derive(Default)]
struct Outcome {
    /// Engine-observable steps (RUN/COPY/ADD/WORKDIR lines).
    steps: usize,
    /// Steps where the engine did what the scenario file says.
    engine_agree: usize,
    /// Steps where berth's plan matches what the engine did.
    berth_agree: usize,
    /// Of those, how many berth answered `maybe`.
    berth_maybe: usize,
    /// Where the engine did not do what the scenario says.
    problems: Vec<String>,
    /// Where berth's plan differs from what the engine did.
    berth_problems: Vec<String>,
    /// The engine's outcome per line, in the `--- expect` format (for recording).
    observed: Vec<String>,
}

fn berth_matches_engine(berth: &str, engine: &str) -> bool {
    match berth {
        "maybe" => engine == "cached" || engine == "rebuild",
        "skipped" | "metadata" => engine == "absent",
        other => other == engine,
    }
}

fn run_one(engine: &Engine, sc: &Scenario, seq: usize) -> Result<Outcome, String> {
    let expect = sc.expect_for(&engine.name());
    let work = tempdir();
    let ctx = work.path().join("ctx");
    fs::create_dir(&ctx).map_err(|e| e.to_string())?;
    let base = format!("berth-cache-scn-{}-{seq}", std::process::id());
    let tag = format!("{base}-out");
    engine.private_base(&base)?;
    let result = (|| {
        sc.materialize(&ctx)?;
        let server = if sc.serve {
            Some(FileServer::start(&ctx)?)
        } else {
            None
        };
        let url = server.as_ref().map(|s| s.url.as_str());
        rebase_dockerfile(&ctx, &base, url)?;
        let state = work.path().join("state.json");
        let recorder = scenario_berth::Recorder::new(&ctx, &state, sc, &engine.name());
        engine.build(&ctx, &tag, &sc.args, sc.target.as_deref())?;
        sc.apply_change(&ctx)?;
        rebase_dockerfile(&ctx, &base, url)?;
        let progress = engine.build(&ctx, &tag, &sc.after_args, sc.after_target.as_deref())?;
        let dockerfile = fs::read_to_string(ctx.join("Dockerfile")).map_err(|e| e.to_string())?;
        let observed = engine_outcome(&dockerfile, &expect, &progress)?;
        let mut out = Outcome::default();
        let plan: BTreeMap<usize, String> = match recorder.and_then(|r| r.plan(&ctx, sc)) {
            Ok(plan) => plan,
            Err(e) => {
                out.problems.push(e);
                BTreeMap::new()
            }
        };
        for exp in &expect {
            let Some(seen) = observed.get(&exp.line) else {
                continue; // not an engine-observable step (metadata, FROM, ...)
            };
            out.steps += 1;
            if exp.engine_status() == seen {
                out.engine_agree += 1;
            } else {
                out.problems.push(format!(
                    "line {}: engine {seen}, scenario expects {}",
                    exp.line,
                    exp.engine_status()
                ));
            }
            out.observed.push(format!("{} {seen}", exp.line));
            let berth = plan.get(&exp.line).map(String::as_str).unwrap_or("missing");
            if berth_matches_engine(berth, seen) {
                out.berth_agree += 1;
                if berth == "maybe" {
                    out.berth_maybe += 1;
                }
            } else {
                out.berth_problems
                    .push(format!("line {}: berth {berth}, engine {seen}", exp.line));
            }
        }
        if !out.problems.is_empty() {
            out.problems.push(format!(
                "engine outcome (engine-observable lines):\n    {}\nengine output:\n{progress}",
                out.observed.join("\n    ")
            ));
        }
        Ok(out)
    })();
    engine.remove_image(&tag);
    engine.remove_image(&base);
    result
}

/// The berth side of a scenario: record before the change, plan after it.
mod scenario_berth {
    use super::*;
    use std::path::{Path, PathBuf};

    pub struct Recorder {
        state: PathBuf,
        engine: berth_cache::Engine,
    }

    impl Recorder {
        /// Records under the profile of `engine` (`docker28`, `docker20`).
        pub fn new(
            ctx: &Path,
            state: &Path,
            sc: &Scenario,
            engine: &str,
        ) -> Result<Recorder, String> {
            let engine = engine_profile(engine);
            let opts = berth_cache::Options {
                dockerfile: None,
                build_args: sc.args.clone(),
                target: sc.target.clone(),
                engine,
                named_contexts: vec![],
            };
            berth_cache::record(ctx, &opts, state).map_err(|e| format!("berth record: {e}"))?;
            Ok(Recorder {
                state: state.to_path_buf(),
                engine,
            })
        }

        pub fn plan(&self, ctx: &Path, sc: &Scenario) -> Result<BTreeMap<usize, String>, String> {
            let opts = berth_cache::Options {
                dockerfile: None,
                build_args: sc.after_args.clone(),
                target: sc.after_target.clone(),
                engine: self.engine,
                named_contexts: vec![],
            };
            let plan = berth_cache::plan(ctx, &opts, &berth_cache::Baseline::State(&self.state))
                .map_err(|e| format!("berth plan: {e}"))?;
            Ok(plan
                .steps
                .iter()
                .map(|s| (s.line, s.status.as_str().to_string()))
                .collect())
        }
    }
}

/// Runs `scenarios` on the engine (two at a time, `$BERTH_SCENARIO_JOBS`), then once more,
/// alone, each one that disagreed. Returns the results sorted by name and the names of the
/// scenarios the engine answered differently the second time.
fn run_all(engine: &Engine, scenarios: &[&Scenario]) -> Results {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(String, Result<Outcome, String>)>> = Mutex::new(vec![]);
    let threads: usize = std::env::var("BERTH_SCENARIO_JOBS")
        .ok()
        .and_then(|j| j.parse().ok())
        .unwrap_or(2);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(sc) = scenarios.get(i) else { break };
                let r = run_one(engine, sc, i);
                results.lock().unwrap().push((sc.name.clone(), r));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.0.cmp(&b.0));
    // The engine is not perfectly repeatable under load (seen: a `COPY . /ctx/` re-run after
    // an mtime-only touch in 1 of several runs). A scenario that disagrees is built once more,
    // alone; if the engine then answers differently, the scenario is reported as FLAKY (the
    // engine contradicted itself) and its second, undisturbed answer is the one counted. A
    // disagreement that repeats is a real failure.
    let failed = |r: &Result<Outcome, String>| match r {
        Ok(o) => !o.problems.is_empty() || !o.berth_problems.is_empty(),
        Err(_) => true,
    };
    let mut flaky = vec![];
    for (index, (name, result)) in results.iter_mut().enumerate() {
        if !failed(result) {
            continue;
        }
        let Some(sc) = scenarios.iter().find(|sc| &sc.name == name) else {
            continue;
        };
        let retry = run_one(engine, sc, scenarios.len() + index);
        if !failed(&retry) {
            flaky.push(name.clone());
            *result = retry;
        }
    }
    Results { results, flaky }
}

struct Results {
    results: Vec<(String, Result<Outcome, String>)>,
    flaky: Vec<String>,
}

impl Results {
    /// Prints one line per scenario and the totals; returns the failures (the engine not
    /// doing what a scenario says, or berth disagreeing with it).
    fn report(&self, engine: &str, label: &str) -> Vec<String> {
        let (mut steps, mut eng, mut berth, mut maybe) = (0, 0, 0, 0);
        let (mut sc_eng, mut sc_berth) = (0, 0);
        let mut failures = vec![];
        for (name, r) in &self.results {
            match r {
                Ok(o) => {
                    steps += o.steps;
                    eng += o.engine_agree;
                    berth += o.berth_agree;
                    maybe += o.berth_maybe;
                    sc_eng += usize::from(o.engine_agree == o.steps);
                    sc_berth += usize::from(o.berth_agree == o.steps);
                    let mark = if !o.problems.is_empty() || !o.berth_problems.is_empty() {
                        "DISAGREE"
                    } else {
                        "ok"
                    };
                    println!(
                        "{mark:8} [{engine}] {name}: engine {}/{} berth {}/{}",
                        o.engine_agree, o.steps, o.berth_agree, o.steps
                    );
                    let mut problems = o.problems.clone();
                    problems.extend(o.berth_problems.iter().cloned());
                    if !problems.is_empty() {
                        failures.push(format!("[{engine}] {name}:\n  {}", problems.join("\n  ")));
                    }
                }
                Err(e) => {
                    println!("ERROR    [{engine}] {name}: {e}");
                    failures.push(format!("[{engine}] {name}: {e}"));
                }
            }
        }
        let n = self.results.len();
        println!(
            "{label} on {engine}: engine as expected {sc_eng}/{n}, berth agrees with engine {sc_berth}/{n}"
        );
        println!(
            "{label} steps on {engine}: engine as expected {eng}/{steps}, berth agrees with engine {berth}/{steps} ({maybe} of them `maybe`)"
        );
        if !self.flaky.is_empty() {
            println!(
                "FLAKY [{engine}]: the engine answered differently on a second identical run of {} scenario(s), counted with their second answer: {}",
                self.flaky.len(),
                self.flaky.join(", ")
            );
        }
        failures
    }
}

#[test]
fn scenarios_against_the_engine() {
    let engine = match Engine::from_env() {
        Ok(e) => e,
        Err(why) => {
            println!("SKIPPED: scenario suite against the engine: {why}");
            return;
        }
    };
    let name = engine.name();
    let suite = all_scenarios();
    let runs_here = |sc: &&Scenario| sc.engines.contains(&name);
    let suite_here: Vec<&Scenario> = suite.iter().filter(runs_here).collect();
    for sc in suite.iter().filter(|sc| !runs_here(sc)) {
        println!(
            "n/a      [{name}] {}: needs {}",
            sc.name,
            sc.engines.join(" or ")
        );
    }
    let failures = run_all(&engine, &suite_here).report(&name, "scenarios");
    if let Ok(path) = std::env::var("BERTH_SCENARIO_LOG") {
        let _ = fs::write(path, failures.join("\n"));
    }
    assert!(
        failures.is_empty(),
        "disagreements:\n{}",
        failures.join("\n")
    );
}
