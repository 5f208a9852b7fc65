//! For every step, what can invalidate it: the context files it (or any step it is
//! chained on, or any stage it reads) depends on, the args and env it sees, and the
//! earlier steps whose re-run chains into it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::eval::{Evaluation, StepKind};
use crate::select::select;
use crate::snapshot::Snapshot;

/// What can invalidate one instruction.
#[derive(Clone, Debug, Serialize)]
pub struct StepExplanation {
    pub stage: String,
    pub line: usize,
    pub end_line: usize,
    pub instruction: String,
    pub kind: StepKind,
    /// Number of context paths whose change re-runs this step.
    pub files: usize,
    /// Those paths grouped by their top-level directory (or file), with counts.
    pub top_paths: Vec<(String, usize)>,
    /// Build args whose value change re-runs it.
    pub args: Vec<String>,
    /// ENV variables whose change re-runs it.
    pub env: Vec<String>,
    /// Lines of the earlier steps whose re-run chains into it.
    pub earlier_steps: Vec<usize>,
    /// Stages whose result it reads.
    pub stages: Vec<String>,
    /// One sentence saying all of the above.
    pub summary: String,
}

/// The explanation of a whole Dockerfile.
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    pub target: String,
    pub steps: Vec<StepExplanation>,
}

#[derive(Clone, Default)]
struct Influence {
    files: BTreeSet<String>,
    args: BTreeSet<String>,
    env: BTreeSet<String>,
    steps: BTreeSet<usize>,
    stages: BTreeSet<String>,
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let groups: Vec<&str> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect();
    groups.join(",")
}

fn top_of(path: &str) -> String {
    match path.split_once('/') {
        Some((top, _)) => format!("{top}/"),
        None => path.to_string(),
    }
}

/// Explains an evaluation against the snapshot it was evaluated with.
pub fn explain_evaluation(eval: &Evaluation, snapshot: &Snapshot) -> Explanation {
    let mut by_line: BTreeMap<usize, Influence> = BTreeMap::new();
    let mut stage_last: BTreeMap<usize, usize> = BTreeMap::new();
    let mut out = vec![];
    for step in &eval.steps {
        let mut inf = Influence::default();
        if let Some(op) = step.op.as_ref().filter(|_| step.kind != StepKind::Metadata) {
            if let Some(parent) = op.parent_line.and_then(|l| by_line.get(&l).map(|p| (l, p))) {
                inf = parent.1.clone();
                inf.steps.insert(parent.0);
            }
            for (sel, _) in &op.selections {
                inf.files
                    .extend(select(snapshot, sel).entries.into_iter().map(|(p, _)| p));
            }
            for (stage, _) in &op.stage_inputs {
                if let Some(src) = stage_last
                    .get(stage)
                    .and_then(|l| by_line.get(l).map(|i| (*l, i)))
                {
                    let (line, src) = src;
                    inf.files.extend(src.files.iter().cloned());
                    inf.args.extend(src.args.iter().cloned());
                    inf.env.extend(src.env.iter().cloned());
                    inf.steps.extend(src.steps.iter().copied());
                    inf.steps.insert(line);
                }
                if let Some(name) = eval.stages.get(*stage) {
                    inf.stages.insert(name.clone());
                }
            }
            for (k, _) in &op.env {
                if op.arg_names.contains(k) {
                    inf.args.insert(k.clone());
                } else {
                    inf.env.insert(k.clone());
                }
            }
            for name in &op.uses {
                if op.arg_names.contains(name) {
                    inf.args.insert(name.clone());
                } else {
                    inf.env.insert(name.clone());
                }
            }
            by_line.insert(step.line, inf.clone());
            stage_last.insert(step.stage_index, step.line);
        }
        let mut tops: BTreeMap<String, usize> = BTreeMap::new();
        for f in &inf.files {
            *tops.entry(top_of(f)).or_default() += 1;
        }
        let mut top_paths: Vec<(String, usize)> = tops.into_iter().collect();
        top_paths.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let summary = summarize(step.keyword.as_str(), step.kind, &inf, &top_paths);
        out.push(StepExplanation {
            stage: step.stage.clone(),
            line: step.line,
            end_line: step.end_line,
            instruction: step.instruction.clone(),
            kind: step.kind,
            files: inf.files.len(),
            top_paths,
            args: inf.args.into_iter().collect(),
            env: inf.env.into_iter().collect(),
            earlier_steps: inf.steps.into_iter().collect(),
            stages: inf.stages.into_iter().collect(),
            summary,
        });
    }
    Explanation {
        target: eval.target.clone(),
        steps: out,
    }
}

fn summarize(keyword: &str, kind: StepKind, inf: &Influence, tops: &[(String, usize)]) -> String {
    match kind {
        StepKind::Metadata => return "no build step of its own".into(),
        StepKind::Skipped => return "not built for this target".into(),
        StepKind::Op => {}
    }
    let mut parts = vec![];
    if !inf.files.is_empty() {
        let n = inf.files.len();
        let shown: Vec<String> = tops
            .iter()
            .take(3)
            .map(|(t, c)| format!("{t} {}", thousands(*c)))
            .collect();
        let more = if tops.len() > 3 { ", ..." } else { "" };
        let noun = if n == 1 { "file" } else { "files" };
        parts.push(format!(
            "any of {} {noun} changes ({}{more})",
            thousands(n),
            shown.join(", ")
        ));
    }
    if !inf.args.is_empty() {
        let v: Vec<&str> = inf.args.iter().map(String::as_str).collect();
        parts.push(format!("build arg {} changes", v.join(", ")));
    }
    if !inf.env.is_empty() {
        let v: Vec<&str> = inf.env.iter().map(String::as_str).collect();
        parts.push(format!("ENV {} changes", v.join(", ")));
    }
    if !inf.steps.is_empty() {
        let v: Vec<String> = inf.steps.iter().map(|l| l.to_string()).collect();
        let noun = if v.len() == 1 {
            "the earlier step at line"
        } else {
            "any earlier step at lines"
        };
        parts.push(format!("{noun} {} re-runs", v.join(", ")));
    }
    if parts.is_empty() {
        return format!(
            "{keyword} re-runs only when the instruction itself (or its base image) changes"
        );
    }
    format!("{keyword} re-runs whenever {}", parts.join(", or "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(1240), "1,240");
        assert_eq!(thousands(100000), "100,000");
        assert_eq!(thousands(7), "7");
    }

    #[test]
    fn top_level_grouping() {
        assert_eq!(top_of("src/a/b.js"), "src/");
        assert_eq!(top_of("package.json"), "package.json");
    }
}
