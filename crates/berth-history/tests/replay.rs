//! berth's replay of every history repository equals what the real engine did when it
//! built each first-parent commit in turn (the answers recorded in `tests/repos/`, which
//! `tests/engine.rs` checks against Docker 28 and Docker 20.10), for the Dockerfile and
//! for the `--what-if` alternative.

mod support;

use std::collections::BTreeMap;

use berth_history::report::CommitBuild;
use support::{agrees, all_histories, berth_replay, tempdir, ENGINES};

#[test]
fn berth_replays_every_history_as_the_engine_built_it() {
    let mut problems = vec![];
    let (mut steps, mut maybes) = (0, 0);
    let histories = all_histories();
    for (engine, (_, h)) in ENGINES
        .iter()
        .flat_map(|e| histories.iter().map(move |h| (*e, h)))
    {
        let work = tempdir();
        let (ids, history) =
            berth_replay(h, &work.path().join("repo"), engine).unwrap_or_else(|e| panic!("{e}"));
        let revs: Vec<&str> = history.commits.iter().map(|c| c.rev.as_str()).collect();
        assert_eq!(
            revs, ids,
            "{}: the walk is main's first-parent line",
            h.name
        );
        let variants: Vec<(bool, &Vec<CommitBuild>)> = std::iter::once((false, &history.commits))
            .chain(history.what_if.as_ref().map(|w| (true, &w.commits)))
            .collect();
        for (what_if, builds) in variants {
            for (commit, build) in h.main_line().into_iter().zip(builds) {
                let label = format!(
                    "{} on {engine}: commit `{}`{}",
                    h.name,
                    commit.subject,
                    if what_if { " (what-if)" } else { "" }
                );
                if commit.not_built {
                    if build.skipped.is_none() {
                        problems.push(format!("{label}: berth built it; the engine cannot"));
                    }
                    continue;
                }
                if let Some(why) = &build.skipped {
                    problems.push(format!("{label}: berth skipped it: {why}"));
                    continue;
                }
                let berth: BTreeMap<usize, &str> = build
                    .steps
                    .iter()
                    .map(|s| (s.line, s.status.as_str()))
                    .collect();
                for (line, engine) in commit.expected(what_if, engine) {
                    steps += 1;
                    let got = berth.get(&line).copied().unwrap_or("missing");
                    if got == "maybe" {
                        maybes += 1;
                    }
                    if !agrees(got, &engine) {
                        let reason = build
                            .steps
                            .iter()
                            .find(|s| s.line == line)
                            .map(|s| format!(" ({}: {})", s.reason.kind, s.reason.detail))
                            .unwrap_or_default();
                        problems.push(format!(
                            "{label} line {line}: berth {got}{reason}, engine {engine}"
                        ));
                    }
                }
            }
        }
    }
    println!(
        "berth agrees with the recorded engines (Docker 28 and 20.10) on {}/{steps} steps ({maybes} of them `maybe`)",
        steps - problems.len().min(steps)
    );
    assert!(
        problems.is_empty(),
        "berth differs from the engine:\n{}",
        problems.join("\n")
    );
}
