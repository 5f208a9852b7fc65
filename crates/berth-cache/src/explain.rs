//! For every step, what can invalidate it: the context files it (or any step it is
//! chained on, or any stage it reads) depends on, the args and env it sees, and the
//! earlier steps whose re-run chains into it.
//!
//! Only which entries each step selects is needed, never their digests: an explanation
//! is computed from a [`Tree`] (a walk), so the linter gets it without reading a file.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc as Rc;

use berth_context::{EntryKind, Tree};
use serde::Serialize;

use crate::eval::{Evaluation, Op, StepKind};

/// What can invalidate one instruction.
#[derive(Clone, Debug, Serialize)]
pub struct StepExplanation {
    /// Stage name, or its index when unnamed.
    pub stage: String,
    /// Index of the instruction in `Dockerfile::instructions`.
    #[serde(skip)]
    pub instruction_index: usize,
    /// First line of the instruction.
    pub line: usize,
    /// Last line of the instruction.
    pub end_line: usize,
    /// The instruction's source text.
    pub instruction: String,
    /// Build step, metadata or skipped.
    pub kind: StepKind,
    /// Number of context files (every entry but directories) whose change re-runs
    /// this step.
    pub files: usize,
    /// Those files grouped by their top-level directory (or file), with counts.
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
    /// The context files the step reads itself (COPY/ADD sources, bind mounts), as
    /// indices into the tree's entries, in key order.
    #[serde(skip)]
    pub reads: Vec<u32>,
    /// The same, per source the step reads (the op's [`crate::ContextRead`]s, in order:
    /// the context sources of a COPY or ADD as written, the bind mounts of a RUN).
    #[serde(skip)]
    pub reads_by_source: Vec<Vec<u32>>,
    /// The context files whose change re-runs it (`files` of them), as indices into the
    /// tree's entries, in key order.
    #[serde(skip)]
    pub influence: Rc<Vec<u32>>,
}

/// The explanation of a whole Dockerfile.
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    /// The target stage.
    pub target: String,
    /// Every instruction, in file order.
    pub steps: Vec<StepExplanation>,
}

impl Explanation {
    /// The explanation of instruction `index` of the Dockerfile.
    pub fn step(&self, index: usize) -> Option<&StepExplanation> {
        self.steps.iter().find(|s| s.instruction_index == index)
    }
}

/// What reaches one step, shared along chains that add nothing.
#[derive(Clone, Default)]
struct Influence {
    files: Rc<Vec<u32>>,
    args: BTreeSet<String>,
    env: BTreeSet<String>,
    steps: BTreeSet<usize>,
    stages: BTreeSet<String>,
}

/// The union of two sorted index lists.
fn union(a: &Rc<Vec<u32>>, b: &[u32]) -> Rc<Vec<u32>> {
    if b.is_empty() {
        return Rc::clone(a);
    }
    if a.is_empty() {
        return Rc::new(b.to_vec());
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    Rc::new(out)
}

pub(crate) fn thousands(n: usize) -> String {
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

/// The files (not directories) each source of a step selects from `tree`; a source
/// that is not there selects nothing.
fn reads_by_source(op: &Op, tree: &Tree) -> Vec<Vec<u32>> {
    op.reads
        .iter()
        .map(|read| {
            tree.select_paths(&[read.source.as_str()], &read.exclude)
                .map(|picked| {
                    picked
                        .into_iter()
                        .filter(|&i| tree.entries()[i].kind != EntryKind::Dir)
                        .map(|i| i as u32)
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect()
}

/// Explains an evaluation against the context it reads (a [`Tree`], or a digested
/// [`berth_context::Snapshot`], which is one).
pub fn explain_evaluation(eval: &Evaluation, tree: &Tree) -> Explanation {
    explain_with(eval, tree, true)
}

/// [`explain_evaluation`]; without `texts`, the summaries and top paths are left out.
pub(crate) fn explain_with(eval: &Evaluation, tree: &Tree, texts: bool) -> Explanation {
    let mut by_line: BTreeMap<usize, Influence> = BTreeMap::new();
    // What each step reads itself (not through its chain): what a later step reading a
    // path that step wrote depends on, when the step's output is known (a COPY).
    let mut own_by_line: BTreeMap<usize, Influence> = BTreeMap::new();
    let mut stage_last: BTreeMap<usize, usize> = BTreeMap::new();
    let mut out = vec![];
    for step in &eval.steps {
        let mut inf = Influence::default();
        let mut reads = Vec::new();
        let mut by_source = Vec::new();
        if let Some(op) = step.op.as_ref().filter(|_| step.kind != StepKind::Metadata) {
            if let Some(parent) = op.parent_line.and_then(|l| by_line.get(&l).map(|p| (l, p))) {
                inf = parent.1.clone();
                inf.steps.insert(parent.0);
            }
            by_source = reads_by_source(op, tree);
            reads = by_source.concat();
            reads.sort_unstable();
            reads.dedup();
            inf.files = union(&inf.files, &reads);
            let mut own = Influence {
                files: Rc::new(reads.clone()),
                ..Influence::default()
            };
            let add_all = |inf: &mut Influence, line: usize, src: &Influence| {
                inf.files = union(&inf.files, &src.files);
                inf.args.extend(src.args.iter().cloned());
                inf.env.extend(src.env.iter().cloned());
                inf.steps.extend(src.steps.iter().copied());
                inf.steps.insert(line);
            };
            for (i, (stage, _)) in op.stage_inputs.iter().enumerate() {
                match op.stage_writers.get(i) {
                    // The steps of that stage that wrote the path read: a COPY's own
                    // reads; for a RUN (which can write anywhere) all it depends on.
                    Some(writers) => {
                        for &(line, anywhere) in writers {
                            let source = if anywhere {
                                by_line.get(&line)
                            } else {
                                own_by_line.get(&line)
                            };
                            if let Some(src) = source {
                                add_all(&mut inf, line, src);
                                add_all(&mut own, line, src);
                            }
                        }
                    }
                    None => {
                        if let Some((line, src)) = stage_last
                            .get(stage)
                            .and_then(|l| by_line.get(l).map(|i| (*l, i)))
                        {
                            add_all(&mut inf, line, src);
                            add_all(&mut own, line, src);
                        }
                    }
                }
                if let Some(name) = eval.stages.get(*stage) {
                    inf.stages.insert(name.clone());
                }
            }
            inf.args.extend(op.arg_names.iter().cloned());
            if step.keyword == "RUN" {
                // RUN sees the whole environment.
                inf.env.extend(
                    op.env_names
                        .iter()
                        .filter(|n| !op.arg_names.contains(*n))
                        .cloned(),
                );
            } else {
                inf.env.extend(
                    op.uses
                        .iter()
                        .filter(|n| op.env_names.contains(*n) && !op.arg_names.contains(*n))
                        .cloned(),
                );
            }
            if step.keyword != "RUN" {
                own.args.extend(op.arg_names.iter().cloned());
                own.env.extend(
                    op.uses
                        .iter()
                        .filter(|n| op.env_names.contains(*n) && !op.arg_names.contains(*n))
                        .cloned(),
                );
            }
            own_by_line.insert(step.line, own);
            by_line.insert(step.line, inf.clone());
            stage_last.insert(step.stage_index, step.line);
        }
        let (top_paths, summary) = if texts {
            let mut tops: BTreeMap<String, usize> = BTreeMap::new();
            for &f in inf.files.iter() {
                *tops
                    .entry(top_of(&tree.entries()[f as usize].path_lossy()))
                    .or_default() += 1;
            }
            let mut top_paths: Vec<(String, usize)> = tops.into_iter().collect();
            top_paths.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let summary = summarize(step.keyword.as_str(), step.kind, &inf, &top_paths);
            (top_paths, summary)
        } else {
            (Vec::new(), String::new())
        };
        out.push(StepExplanation {
            stage: step.stage.clone(),
            instruction_index: step.instruction_index,
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
            reads,
            reads_by_source: by_source,
            influence: inf.files,
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

    #[test]
    fn unions_of_sorted_lists() {
        let a = Rc::new(vec![1, 4, 9]);
        assert_eq!(*union(&a, &[2, 4, 10]), [1, 2, 4, 9, 10]);
        assert!(Rc::ptr_eq(&union(&a, &[]), &a));
    }
}
