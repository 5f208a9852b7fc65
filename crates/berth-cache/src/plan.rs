//! Comparing an evaluation with a recorded one: the status of every instruction and the
//! cause of each re-run.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;

use std::cmp::Ordering;

use berth_context::{key_cmp, Digest, Snapshot};

use crate::eval::{ContextRead, EvalStep, Evaluation, Op, StepKind};

/// The predicted outcome of one instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Taken from the cache.
    Cached,
    /// Re-runs.
    Rebuild,
    /// Cached only if a stage it reads writes byte-identical files again.
    Maybe,
    /// No build step (LABEL, ENV, CMD, `FROM <stage>`, ...).
    Metadata,
    /// Its stage is not needed for the target.
    Skipped,
}

impl Status {
    /// The name used in the JSON contract.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Cached => "cached",
            Status::Rebuild => "rebuild",
            Status::Maybe => "maybe",
            Status::Metadata => "metadata",
            Status::Skipped => "skipped",
        }
    }
}

/// Why a step has its status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// `no-record`, `unchanged`, `files-changed`, `instruction-changed`,
    /// `build-arg-changed`, `env-changed`, `state-changed`, `earlier-step`,
    /// `new-step`, `base-image-changed`, `stage-output`, `remote-source`,
    /// `missing-source`, `variable-changed`, `metadata`, `not-needed`,
    /// `stale-context`.
    pub kind: String,
    /// One sentence for a person.
    pub detail: String,
    /// Context paths involved (changed paths for `files-changed`).
    pub paths: Vec<String>,
}

/// One instruction of the plan (DESIGN.md 3.4).
#[derive(Clone, Debug, Serialize)]
pub struct PlannedStep {
    /// Stage name, or its index when unnamed.
    pub stage: String,
    /// First line of the instruction.
    pub line: usize,
    /// Last line of the instruction.
    pub end_line: usize,
    /// The instruction's source text.
    pub instruction: String,
    /// The predicted outcome.
    pub status: Status,
    /// Why.
    pub reason: Reason,
}

/// The prediction for a whole build.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// The target stage.
    pub target: String,
    /// Every instruction, in file order.
    pub steps: Vec<PlannedStep>,
    /// Why the plan is as for a first build (no, corrupt or older state); not part of
    /// the JSON contract.
    #[serde(skip)]
    pub notice: Option<String>,
    /// What the engine will do that the user would not expect (it builds with a stale
    /// copy of a file); one sentence each, not part of the JSON contract (each step's
    /// reason says it too).
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// What the plan compares against.
pub(crate) struct Recorded<'a> {
    pub eval: &'a Evaluation,
    pub snapshot: &'a Snapshot,
}

/// The cache of a builder that kept every earlier build (a history replay): a step whose
/// key any of them had is taken from the cache, whichever build it was.
#[derive(Clone, Debug, Default)]
pub struct BuildCache {
    keys: HashSet<String>,
    alt_keys: HashSet<String>,
}

impl BuildCache {
    /// Adds the keys of a build's executed steps.
    pub fn add(&mut self, eval: &Evaluation) {
        for op in eval
            .steps
            .iter()
            .filter(|s| s.kind == StepKind::Op)
            .filter_map(|s| s.op.as_ref())
        {
            self.keys.insert(op.key.clone());
            self.alt_keys.insert(op.alt_key.clone());
        }
    }

    /// How many distinct step keys the cache holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

fn reason(kind: &str, detail: impl Into<String>) -> Reason {
    Reason {
        kind: kind.into(),
        detail: detail.into(),
        paths: vec![],
    }
}

const MAX_PATHS: usize = 50;

/// The entries a context read selects, with their record digests, in key order.
fn selected<'s>(snapshot: &'s Snapshot, read: &ContextRead) -> Vec<(&'s [u8], Digest)> {
    snapshot
        .select_source(&read.source, &read.exclude)
        .map(|sel| {
            sel.entries
                .iter()
                .map(|&i| {
                    let e = &snapshot.entries()[i];
                    (&*e.path, e.digest)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Paths whose entry differs between two selections (both in key order): one merge
/// pass, and only the paths that differ are turned into text (a `COPY . .` of a large
/// context selects every entry on both sides).
fn changed_paths(old: &[(&[u8], Digest)], new: &[(&[u8], Digest)]) -> Vec<String> {
    let text = |p: &[u8]| String::from_utf8_lossy(p).into_owned();
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < old.len() || j < new.len() {
        let order = match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) => key_cmp(a.0, b.0),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match order {
            Ordering::Less => {
                out.push(text(old[i].0));
                i += 1;
            }
            Ordering::Greater => {
                out.push(text(new[j].0));
                j += 1;
            }
            Ordering::Equal => {
                if old[i].1 != new[j].1 {
                    out.push(text(new[j].0));
                }
                i += 1;
                j += 1;
            }
        }
    }
    out
}

fn metadata_reason(step: &EvalStep) -> Reason {
    let detail = match step.keyword.as_str() {
        "ENV" => "no build step; changes the environment of later RUN steps",
        "ARG" => "no build step; its value is in the environment of later RUN steps",
        "USER" | "SHELL" => "no build step; changes how later RUN steps run",
        "WORKDIR" => "no build step (WORKDIR /); changes the directory of later steps",
        "FROM" => "no build step of its own: continues the base stage's result",
        "ONBUILD" => "no build step; a trigger for images built FROM this one",
        _ => "no build step; only the image configuration changes",
    };
    reason("metadata", detail)
}

/// Compares `current` with the record (or with nothing: a first build).
pub(crate) fn compare(
    current: &Evaluation,
    snapshot: &Snapshot,
    recorded: Option<Recorded>,
    notice: Option<String>,
) -> Plan {
    compare_cached(current, snapshot, recorded, None, notice)
}

/// Compares `current` with the record, as a builder whose cache also holds every build
/// of `earlier` would: causes are found against the record (the build before).
pub(crate) fn compare_cached(
    current: &Evaluation,
    snapshot: &Snapshot,
    recorded: Option<Recorded>,
    earlier: Option<&BuildCache>,
    notice: Option<String>,
) -> Plan {
    // The recorded build's executed steps, from which every lookup below is derived.
    let recorded_ops: Vec<&EvalStep> = recorded
        .as_ref()
        .map(|r| {
            r.eval
                .steps
                .iter()
                .filter(|s| s.kind == StepKind::Op)
                .collect()
        })
        .unwrap_or_default();
    let built_keys: HashSet<&str> = recorded_ops
        .iter()
        .filter_map(|s| s.op.as_ref())
        .map(|o| o.key.as_str())
        .collect();
    let built_alt: HashSet<&str> = recorded_ops
        .iter()
        .filter_map(|s| s.op.as_ref())
        .map(|o| o.alt_key.as_str())
        .collect();
    let counterparts: HashMap<(&str, usize), &EvalStep> = recorded_ops
        .iter()
        .filter_map(|&s| s.op.as_ref().map(|o| ((s.stage.as_str(), o.ordinal), s)))
        .collect();
    let recorded_stages: HashSet<&str> = recorded_ops.iter().map(|s| s.stage.as_str()).collect();
    let mut status_by_line: HashMap<usize, Status> = HashMap::new();
    let mut last_line_of_stage: HashMap<usize, usize> = HashMap::new();
    let mut steps = vec![];
    for step in &current.steps {
        let (status, why) = match (&step.kind, &step.op) {
            (StepKind::Skipped, _) => (
                Status::Skipped,
                reason(
                    "not-needed",
                    format!(
                        "stage {} is not needed for target {}",
                        step.stage, current.target
                    ),
                ),
            ),
            (StepKind::Metadata, _) | (StepKind::Op, None) => {
                (Status::Metadata, metadata_reason(step))
            }
            (StepKind::Op, Some(op)) => {
                let parent = op
                    .parent_line
                    .and_then(|l| status_by_line.get(&l).map(|s| (l, *s)));
                if recorded.is_none() {
                    (
                        Status::Rebuild,
                        reason(
                            "no-record",
                            "no record to compare with: runs as in a first build",
                        ),
                    )
                } else if built_keys.contains(op.key.as_str()) {
                    let detail = op
                        .note
                        .clone()
                        .unwrap_or_else(|| "same inputs as in the record".into());
                    (Status::Cached, reason("unchanged", detail))
                } else if earlier.is_some_and(|c| c.keys.contains(&op.key)) {
                    let detail = op.note.clone().unwrap_or_else(|| {
                        "same inputs as an earlier build, which the cache still holds".into()
                    });
                    (Status::Cached, reason("unchanged", detail))
                } else if built_alt.contains(op.alt_key.as_str())
                    || earlier.is_some_and(|c| c.alt_keys.contains(&op.alt_key))
                {
                    (
                        Status::Maybe,
                        maybe_reason(
                            current,
                            step,
                            op,
                            parent,
                            &status_by_line,
                            &last_line_of_stage,
                        ),
                    )
                } else if let Some((line, st @ (Status::Rebuild | Status::Maybe))) = parent {
                    let detail = if st == Status::Rebuild {
                        format!("the step at line {line} re-runs and this step is chained on it")
                    } else {
                        format!("chained on the step at line {line}, which may re-run")
                    };
                    (Status::Rebuild, reason("earlier-step", detail))
                } else {
                    let counterpart = counterparts
                        .get(&(step.stage.as_str(), op.ordinal))
                        .copied();
                    (
                        Status::Rebuild,
                        own_cause(
                            current,
                            step,
                            op,
                            counterpart,
                            &recorded,
                            snapshot,
                            &recorded_stages,
                        ),
                    )
                }
            }
        };
        status_by_line.insert(step.line, status);
        if step.kind == StepKind::Op {
            last_line_of_stage.insert(step.stage_index, step.line);
        }
        steps.push(PlannedStep {
            stage: step.stage.clone(),
            line: step.line,
            end_line: step.end_line,
            instruction: step.instruction.clone(),
            status,
            reason: why,
        });
    }
    Plan {
        target: current.target.clone(),
        steps,
        notice,
        warnings: Vec::new(),
    }
}

/// Marks what the engine builds with stale content: `stale` are the context files whose
/// content changed while their mode, size and modification time did not (see
/// [`berth_context::HashStats::stale`]). The engine keeps the copy it was sent before,
/// so the steps reading them keep their status; their reason and the plan's warnings
/// say that the content they use is stale.
pub(crate) fn mark_stale(
    plan: &mut Plan,
    current: &Evaluation,
    snapshot: &Snapshot,
    stale: &[String],
) {
    if stale.is_empty() {
        return;
    }
    for path in stale {
        plan.warnings.push(format!(
            "{path} changed, but its size and modification time did not: the engine keeps the copy of it sent with an earlier build and builds with that stale content (touch {path} to send it again)"
        ));
    }
    let stale: BTreeSet<&str> = stale.iter().map(String::as_str).collect();
    for (planned, step) in plan.steps.iter_mut().zip(&current.steps) {
        let Some(op) = &step.op else { continue };
        let paths: Vec<String> = op
            .reads
            .iter()
            .flat_map(|read| selected(snapshot, read))
            .map(|(path, _)| String::from_utf8_lossy(path).into_owned())
            .filter(|path| stale.contains(path.as_str()))
            .collect();
        if paths.is_empty() || planned.status != Status::Cached {
            continue;
        }
        planned.reason = Reason {
            kind: "stale-context".into(),
            detail: format!(
                "cached, but with stale content: {} changed on disk while its size and modification time did not, and the engine does not send it again",
                paths.join(", ")
            ),
            paths,
        };
    }
}

fn maybe_reason(
    current: &Evaluation,
    step: &EvalStep,
    op: &Op,
    parent: Option<(usize, Status)>,
    status_by_line: &HashMap<usize, Status>,
    last_line_of_stage: &HashMap<usize, usize>,
) -> Reason {
    if let Some(why) = &op.unknowable {
        return reason("remote-source", why.clone());
    }
    // A step that can write anywhere (a RUN) and re-runs is what makes the content
    // unknown.
    for (i, (stage, path)) in op.stage_inputs.iter().enumerate() {
        let writers = op
            .stage_writers
            .get(i)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let rerunning = writers.iter().find(|(line, anywhere)| {
            *anywhere
                && matches!(
                    status_by_line.get(line),
                    Some(Status::Rebuild | Status::Maybe)
                )
        });
        if let Some((line, _)) = rerunning {
            return reason(
                "stage-output",
                format!(
                    "reads {path} from stage {}, where the step at line {line} re-runs and can write anything; cached only if it writes byte-identical files",
                    current.stages.get(*stage).cloned().unwrap_or_default()
                ),
            );
        }
        let Some(line) = last_line_of_stage.get(stage) else {
            continue;
        };
        if matches!(
            status_by_line.get(line),
            Some(Status::Rebuild | Status::Maybe)
        ) {
            return reason(
                "stage-output",
                format!(
                    "reads {path} from stage {}, which re-runs (line {line}); cached only if it writes byte-identical files",
                    current.stages.get(*stage).cloned().unwrap_or_default()
                ),
            );
        }
    }
    match parent {
        Some((line, _)) => reason(
            "earlier-step",
            format!("chained on the step at line {line}, which may re-run"),
        ),
        None => reason(
            "stage-output",
            format!(
                "line {}: depends on a result berth cannot know offline",
                step.line
            ),
        ),
    }
}

/// Why a step re-runs whose only changed input is what it reads from other stages: the
/// content there is known (written by COPYs from the context or other known content)
/// and changed.
fn stage_content_reason(current: &Evaluation, op: &Op) -> Reason {
    let described: Vec<String> = op
        .stage_inputs
        .iter()
        .enumerate()
        .map(|(i, (stage, path))| {
            let lines: Vec<String> = op
                .stage_writers
                .get(i)
                .map(|w| w.iter().map(|(line, _)| line.to_string()).collect())
                .unwrap_or_default();
            let stage = current.stages.get(*stage).cloned().unwrap_or_default();
            match lines.len() {
                0 => format!("{path} of stage {stage}"),
                _ => format!(
                    "{path} of stage {stage} (written at line {})",
                    lines.join(", ")
                ),
            }
        })
        .collect();
    reason(
        "stage-output",
        format!(
            "the content it reads from another stage changed: {}",
            described.join("; ")
        ),
    )
}

/// Why a step re-runs that reads a named build context whose selection changed: the
/// context and the sources (`NAME:SOURCE`).
fn named_cause(op: &Op, old_op: &Op) -> Option<Reason> {
    let changed: Vec<String> = op
        .named_reads
        .iter()
        .filter(|read| !old_op.named_reads.contains(read))
        .map(|read| format!("{}:{}", read.context, read.source))
        .collect();
    let detail = match changed.as_slice() {
        [] => return None,
        [one] => format!("{one} changed (a named build context)"),
        many => format!(
            "the files it reads from named build contexts changed: {}",
            many.join(", ")
        ),
    };
    Some(Reason {
        kind: "files-changed".into(),
        detail,
        paths: changed,
    })
}

fn own_cause(
    current: &Evaluation,
    step: &EvalStep,
    op: &Op,
    counterpart: Option<&EvalStep>,
    recorded: &Option<Recorded>,
    snapshot: &Snapshot,
    recorded_stages: &HashSet<&str>,
) -> Reason {
    let Some(old) = counterpart else {
        if !recorded_stages.contains(step.stage.as_str()) {
            return reason(
                "new-step",
                format!("stage {} was not built in the recorded build", step.stage),
            );
        }
        return reason("new-step", "no matching step in the record");
    };
    let old_op = old.op.as_ref().expect("op steps have ops");
    if op.op_digest == old_op.op_digest && op.named_reads != old_op.named_reads {
        if let Some(reason) = named_cause(op, old_op) {
            return reason;
        }
    }
    if step.keyword == "FROM" {
        return reason(
            "base-image-changed",
            format!("base image changed: was `{}`", old.instruction),
        );
    }
    if op.op_digest == old_op.op_digest {
        // Same operation: the content it reads changed.
        let Some(rec) = recorded else {
            return reason("files-changed", "the files it reads changed");
        };
        let mut paths = BTreeSet::new();
        for (i, read) in op.reads.iter().enumerate() {
            let old_read = old_op.reads.get(i);
            if old_read.map(|r| r.digest) == Some(read.digest) {
                continue;
            }
            let new_entries = selected(snapshot, read);
            let old_entries = old_read
                .map(|r| selected(rec.snapshot, r))
                .unwrap_or_default();
            paths.extend(changed_paths(&old_entries, &new_entries));
            if read.digest.is_none() {
                paths.insert(read.describe().to_string());
            }
        }
        if paths.is_empty() && !op.stage_inputs.is_empty() {
            return stage_content_reason(current, op);
        }
        let total = paths.len();
        let paths: Vec<String> = paths.into_iter().take(MAX_PATHS).collect();
        let detail = match total {
            0 => "the files it reads changed".to_string(),
            1 => format!("{} changed", paths[0]),
            n => format!(
                "{n} files changed: {}{}",
                paths[..paths.len().min(3)].join(", "),
                if n > 3 { ", ..." } else { "" }
            ),
        };
        return Reason {
            kind: "files-changed".into(),
            detail,
            paths,
        };
    }
    if old.instruction != step.instruction {
        return reason(
            "instruction-changed",
            format!("line {} changed; was `{}`", step.line, old.instruction),
        );
    }
    if step.keyword == "RUN" && op.env != old_op.env {
        let old_env: BTreeMap<&str, &str> = old_op
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let new_env: BTreeMap<&str, &str> = op
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut names: BTreeSet<&str> = BTreeSet::new();
        for (k, v) in &new_env {
            if old_env.get(k) != Some(v) {
                names.insert(k);
            }
        }
        names.extend(old_env.keys().filter(|k| !new_env.contains_key(*k)));
        let all_args = !names.is_empty()
            && names
                .iter()
                .all(|n| op.arg_names.contains(*n) || old_op.arg_names.contains(*n));
        let list: Vec<&str> = names.into_iter().collect();
        if all_args {
            return Reason {
                kind: "build-arg-changed".into(),
                detail: format!(
                    "build arg {} changed (every RUN after its ARG sees it)",
                    list.join(", ")
                ),
                paths: vec![],
            };
        }
        if list.is_empty() {
            return reason("env-changed", "the order of the environment changed");
        }
        return reason(
            "env-changed",
            format!("environment {} changed", list.join(", ")),
        );
    }
    if !op.uses.is_empty() {
        let names: Vec<&str> = op.uses.iter().map(String::as_str).collect();
        return reason(
            "variable-changed",
            format!("the value of {} in its arguments changed", names.join(", ")),
        );
    }
    reason(
        "state-changed",
        "USER, SHELL or WORKDIR in effect for this step changed",
    )
}
