//! The one place the server calls berth-cache: what can invalidate each step, as
//! `berth cache explain` says it. Everything the rest of the server knows about the cache goes
//! through [`explain`], so a change in berth-cache's API is a change here only.

use std::collections::hash_map::DefaultHasher;
use std::collections::VecDeque;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What can invalidate one instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepCache {
    /// 1-based line of the instruction.
    pub line: usize,
    /// Whether the instruction is a build step (not metadata only).
    pub is_step: bool,
    /// Whether its stage is not built for the target.
    pub skipped: bool,
    /// One sentence saying all of it.
    pub summary: String,
    /// Number of context paths whose change re-runs the step.
    pub files: usize,
    /// Those paths by top-level directory or file, with counts.
    pub top_paths: Vec<(String, usize)>,
    /// Build args whose value re-runs it.
    pub args: Vec<String>,
    /// ENV variables whose value re-runs it.
    pub env: Vec<String>,
    /// Lines of earlier steps whose re-run chains into it.
    pub earlier_steps: Vec<usize>,
    /// Stages it reads.
    pub stages: Vec<String>,
}

/// Build inputs of an explanation.
#[derive(Clone, Debug, Default, Hash, PartialEq, Eq)]
pub struct Inputs {
    pub build_args: Vec<(String, String)>,
    pub target: Option<String>,
}

/// The explanation of every step of `text` built with `context`.
pub fn explain(context: &Path, text: &str, inputs: &Inputs) -> Result<Vec<StepCache>, String> {
    let options = berth_cache::Options {
        dockerfile: None,
        build_args: inputs.build_args.clone(),
        target: inputs.target.clone(),
        ..berth_cache::Options::default()
    };
    let explanation =
        berth_cache::explain_text(context, text, &options).map_err(|e| e.to_string())?;
    Ok(explanation
        .steps
        .into_iter()
        .map(|s| StepCache {
            line: s.line,
            is_step: s.kind == berth_cache::StepKind::Op,
            skipped: s.kind == berth_cache::StepKind::Skipped,
            summary: s.summary,
            files: s.files,
            top_paths: s.top_paths,
            args: s.args,
            env: s.env,
            earlier_steps: s.earlier_steps,
            stages: s.stages,
        })
        .collect())
}

type Key = (PathBuf, u64);

/// An explanation, or why there is none.
pub type Explained = Arc<Result<Vec<StepCache>, String>>;

/// Recent explanations, keyed by context and text (a hover on an unchanged document reuses
/// the last one). Holds at most a few.
#[derive(Default)]
pub struct ExplanationCache {
    entries: Mutex<VecDeque<(Key, Explained)>>,
}

const KEEP: usize = 8;

impl ExplanationCache {
    /// The explanation of `text` in `context`, computed once.
    pub fn get(
        &self,
        context: &Path,
        text: &str,
        inputs: &Inputs,
    ) -> Arc<Result<Vec<StepCache>, String>> {
        let mut hasher = DefaultHasher::new();
        text.hash(&mut hasher);
        inputs.hash(&mut hasher);
        let key = (context.to_path_buf(), hasher.finish());
        if let Ok(entries) = self.entries.lock() {
            if let Some((_, hit)) = entries.iter().find(|(k, _)| *k == key) {
                return Arc::clone(hit);
            }
        }
        let value = Arc::new(explain(context, text, inputs));
        if let Ok(mut entries) = self.entries.lock() {
            entries.push_front((key, Arc::clone(&value)));
            entries.truncate(KEEP);
        }
        value
    }

    /// Forgets everything (files changed).
    pub fn clear(&self) {
        if let Ok(mut e) = self.entries.lock() {
            e.clear();
        }
    }

    /// Keeps no more entries than there are open documents.
    pub fn retain_open(&self, open: usize) {
        if let Ok(mut e) = self.entries.lock() {
            e.truncate(open.min(KEEP));
        }
    }

    /// How many explanations are held.
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_steps_with_their_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/a.js"), "a").unwrap();
        std::fs::write(dir.path().join("package.json"), "{}").unwrap();
        let text = "FROM node:20\nCOPY package.json .\nRUN npm ci\nCOPY . .\nCMD [\"node\"]\n";
        let cache = ExplanationCache::default();
        let steps = cache.get(dir.path(), text, &Inputs::default());
        let steps = steps.as_ref().as_ref().unwrap();
        let run = steps.iter().find(|s| s.line == 3).unwrap();
        assert_eq!(run.files, 1);
        assert!(run.summary.contains("RUN"), "{}", run.summary);
        let cmd = steps.iter().find(|s| s.line == 5).unwrap();
        assert!(!cmd.is_step);
        assert_eq!(cache.len(), 1);
        cache.get(dir.path(), text, &Inputs::default());
        assert_eq!(cache.len(), 1);
    }
}
