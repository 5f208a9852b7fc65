//! What a replay found (DESIGN.md 3.5): per commit the plan of its build, and per step of
//! the newest Dockerfile how often it re-ran and what caused it.

use std::collections::{BTreeMap, HashMap};

use berth_cache::{PlannedStep, Status};
use serde::Serialize;

/// The replay of one history (`berth cache history --format json`).
#[derive(Clone, Debug, Serialize)]
pub struct History {
    /// The target stage of the newest build.
    pub target: String,
    /// Every walked commit, oldest first.
    pub commits: Vec<CommitBuild>,
    /// Re-runs per step of the newest Dockerfile.
    pub summary: Summary,
    /// The same history with the `--what-if` Dockerfile in place of the Dockerfile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what_if: Option<WhatIf>,
}

/// The `--what-if` replay.
#[derive(Clone, Debug, Serialize)]
pub struct WhatIf {
    /// The alternative Dockerfile, as given.
    pub file: String,
    /// Re-runs per step of the alternative.
    pub summary: Summary,
    /// Every walked commit, as for the Dockerfile.
    pub commits: Vec<CommitBuild>,
}

/// One walked commit.
#[derive(Clone, Debug, Serialize)]
pub struct CommitBuild {
    /// The full commit id.
    pub rev: String,
    /// The first line of its message.
    pub subject: String,
    /// True for the first build of the walk (from an empty cache).
    pub baseline: bool,
    /// Why the commit was not built (no Dockerfile or no context there); its steps are
    /// then empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// The plan of its build, as `berth cache plan --format json` gives it.
    pub steps: Vec<PlannedStep>,
}

/// Re-runs per step over the builds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Builds with a warm cache: every built commit but the baseline.
    pub builds: usize,
    /// The build steps of the newest Dockerfile (metadata instructions and steps of stages
    /// the target does not need are left out).
    pub steps: Vec<StepSummary>,
}

/// How one step of the newest Dockerfile fared.
#[derive(Clone, Debug, Serialize)]
pub struct StepSummary {
    /// Its stage (name or index).
    pub stage: String,
    /// Its line in the newest Dockerfile.
    pub line: usize,
    /// Its text.
    pub instruction: String,
    /// The warm builds where a step with the same instruction existed.
    pub builds: usize,
    /// Of those, the builds that re-ran it.
    pub rebuilds: usize,
    /// The builds where it re-ran unless an earlier stage wrote byte-identical files.
    pub maybe: usize,
    /// What made it re-run, most frequent first (a changed path, an edited instruction,
    /// a build arg, ...), each counted once per build.
    pub causes: Vec<Cause>,
}

/// One cause of re-runs and how many builds it caused one in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// A context path, or a description (`instruction changed`, `build arg X`, ...).
    pub cause: String,
    /// Builds.
    pub count: usize,
}

/// The first `line N` in a reason's detail: the step a chained re-run comes from.
fn chained_line(detail: &str) -> Option<usize> {
    let at = detail.find("line ")?;
    let digits: String = detail[at + 5..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// The causes of `step`'s re-run in `build`: its own reason, or, for a re-run chained on
/// an earlier step (or a stage's output), that step's causes.
fn causes_of(step: &PlannedStep, build: &[PlannedStep], depth: usize) -> Vec<String> {
    let reason = &step.reason;
    if matches!(reason.kind.as_str(), "earlier-step" | "stage-output") && depth < build.len() {
        if let Some(origin) = chained_line(&reason.detail)
            .and_then(|line| build.iter().find(|s| s.line == line && s.line != step.line))
        {
            return causes_of(origin, build, depth + 1);
        }
    }
    match reason.kind.as_str() {
        "files-changed" if !reason.paths.is_empty() => reason.paths.clone(),
        "files-changed" => vec!["files changed".into()],
        "instruction-changed" => vec![format!("line {} edited", step.line)],
        other => vec![other.replace('-', " ")],
    }
}

/// Identifies a step across builds: its stage, its instruction text and its occurrence
/// among equal ones (the same instruction twice in one stage).
pub(crate) type StepKey = (String, String, usize);

/// The keys of steps given as (stage, instruction), in order.
pub(crate) fn step_keys<'a>(steps: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<StepKey> {
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    steps
        .map(|(stage, instruction)| {
            let n = seen.entry((stage, instruction)).or_default();
            *n += 1;
            (stage.to_string(), instruction.to_string(), *n)
        })
        .collect()
}

/// The keys of a build's steps, in order.
pub(crate) fn plan_keys(steps: &[PlannedStep]) -> Vec<StepKey> {
    step_keys(
        steps
            .iter()
            .map(|s| (s.stage.as_str(), s.instruction.as_str())),
    )
}

/// How many causes a summary keeps per step.
pub const MAX_CAUSES: usize = 5;

impl Summary {
    /// Counts, for each build step of the newest built commit, the warm builds that had
    /// the same step and how they went.
    pub fn of(commits: &[CommitBuild]) -> Summary {
        let built: Vec<&CommitBuild> = commits.iter().filter(|c| c.skipped.is_none()).collect();
        let Some(newest) = built.last() else {
            return Summary::default();
        };
        let warm: Vec<&CommitBuild> = built.iter().copied().filter(|c| !c.baseline).collect();
        let newest_keys = plan_keys(&newest.steps);
        let mut rows: Vec<(StepSummary, BTreeMap<String, usize>)> = vec![];
        let mut row_of: HashMap<&StepKey, usize> = HashMap::new();
        for (step, key) in newest.steps.iter().zip(&newest_keys) {
            if matches!(step.status, Status::Metadata | Status::Skipped) {
                continue;
            }
            row_of.insert(key, rows.len());
            rows.push((
                StepSummary {
                    stage: step.stage.clone(),
                    line: step.line,
                    instruction: step.instruction.clone(),
                    builds: 0,
                    rebuilds: 0,
                    maybe: 0,
                    causes: vec![],
                },
                BTreeMap::new(),
            ));
        }
        for build in &warm {
            for (step, key) in build.steps.iter().zip(plan_keys(&build.steps)) {
                let Some(&row) = row_of.get(&key) else {
                    continue;
                };
                let (summary, causes) = &mut rows[row];
                match step.status {
                    Status::Metadata | Status::Skipped => continue,
                    Status::Cached => {}
                    Status::Rebuild => summary.rebuilds += 1,
                    Status::Maybe => summary.maybe += 1,
                }
                summary.builds += 1;
                if matches!(step.status, Status::Rebuild | Status::Maybe) {
                    let mut own = causes_of(step, &build.steps, 0);
                    own.sort();
                    own.dedup();
                    for cause in own {
                        *causes.entry(cause).or_default() += 1;
                    }
                }
            }
        }
        let steps = rows
            .into_iter()
            .map(|(mut summary, causes)| {
                let mut causes: Vec<Cause> = causes
                    .into_iter()
                    .map(|(cause, count)| Cause { cause, count })
                    .collect();
                causes.sort_by(|a, b| b.count.cmp(&a.count).then(a.cause.cmp(&b.cause)));
                causes.truncate(MAX_CAUSES);
                summary.causes = causes;
                summary
            })
            .collect();
        Summary {
            builds: warm.len(),
            steps,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_cache::Reason;

    fn step(
        line: usize,
        text: &str,
        status: Status,
        kind: &str,
        detail: &str,
        paths: &[&str],
    ) -> PlannedStep {
        PlannedStep {
            stage: "0".into(),
            line,
            end_line: line,
            instruction: text.into(),
            status,
            reason: Reason {
                kind: kind.into(),
                detail: detail.into(),
                paths: paths.iter().map(|p| p.to_string()).collect(),
            },
        }
    }

    fn build(rev: &str, baseline: bool, steps: Vec<PlannedStep>) -> CommitBuild {
        CommitBuild {
            rev: rev.into(),
            subject: rev.into(),
            baseline,
            skipped: None,
            steps,
        }
    }

    #[test]
    fn counts_warm_builds_and_traces_chained_reruns_to_their_files() {
        use Status::*;
        let cached = |line, text| step(line, text, Cached, "unchanged", "", &[]);
        let copy_changed =
            |paths: &[&str]| step(2, "COPY . .", Rebuild, "files-changed", "changed", paths);
        let chained = step(
            3,
            "RUN npm ci",
            Rebuild,
            "earlier-step",
            "the step at line 2 re-runs and this step is chained on it",
            &[],
        );
        let commits = vec![
            build(
                "a",
                true,
                vec![
                    step(2, "COPY . .", Rebuild, "no-record", "", &[]),
                    step(3, "RUN npm ci", Rebuild, "no-record", "", &[]),
                ],
            ),
            CommitBuild {
                skipped: Some("no Dockerfile".into()),
                ..build("b", false, vec![])
            },
            build(
                "c",
                false,
                vec![copy_changed(&["src/a.js"]), chained.clone()],
            ),
            build(
                "d",
                false,
                vec![cached(2, "COPY . ."), cached(3, "RUN npm ci")],
            ),
            build(
                "e",
                false,
                vec![copy_changed(&["src/a.js", "package.json"]), chained.clone()],
            ),
            build(
                "f",
                false,
                vec![
                    cached(2, "COPY . ."),
                    step(3, "RUN npm ci", Metadata, "metadata", "", &[]),
                    step(4, "CMD x", Metadata, "metadata", "", &[]),
                ],
            ),
        ];
        let summary = Summary::of(&commits);
        assert_eq!(summary.builds, 4);
        // CMD is metadata in the newest build; RUN npm ci is too, so neither is counted.
        assert_eq!(summary.steps.len(), 1);
        let copy = &summary.steps[0];
        assert_eq!((copy.builds, copy.rebuilds, copy.maybe), (4, 2, 0));
        assert_eq!(
            copy.causes,
            [
                Cause {
                    cause: "src/a.js".into(),
                    count: 2
                },
                Cause {
                    cause: "package.json".into(),
                    count: 1
                }
            ]
        );

        let mut with_run = commits.clone();
        with_run[5].steps[1] = cached(3, "RUN npm ci");
        let summary = Summary::of(&with_run);
        let run = &summary.steps[1];
        assert_eq!((run.builds, run.rebuilds), (4, 2));
        assert_eq!(
            run.causes[0],
            Cause {
                cause: "src/a.js".into(),
                count: 2
            }
        );
    }
}
