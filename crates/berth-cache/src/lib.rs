//! berth-cache: predicts, without building, which steps of a Dockerfile the next
//! `docker build` takes from the layer cache, which it re-runs, and why.
//!
//! It evaluates the Dockerfile against the build context the way BuildKit forms cache
//! keys (`RUN` chained on its parent with its command, environment and mounts; `COPY`
//! keyed by the content it copies; metadata instructions keyed by nothing), records the
//! keys of a build, and compares a later evaluation with that record.
//!
//! ```
//! use berth_cache::{plan, record, Baseline, Options, Status};
//! let ctx = tempfile::tempdir().unwrap();
//! let state = tempfile::tempdir().unwrap().into_path().join("state");
//! std::fs::write(ctx.path().join("Dockerfile"), "FROM busybox\nCOPY app.txt /app/\nRUN cat /app/app.txt\n").unwrap();
//! std::fs::write(ctx.path().join("app.txt"), "v1").unwrap();
//! record(ctx.path(), &Options::default(), &state).unwrap();
//!
//! std::fs::write(ctx.path().join("app.txt"), "v2").unwrap();
//! let p = plan(ctx.path(), &Options::default(), &Baseline::State(&state)).unwrap();
//! let statuses: Vec<Status> = p.steps.iter().map(|s| s.status).collect();
//! assert_eq!(statuses, [Status::Cached, Status::Rebuild, Status::Rebuild]);
//! assert_eq!(p.steps[1].reason.paths, ["app.txt"]);
//! ```

mod eval;
mod explain;
mod git;
mod plan;
mod select;
mod snapshot;
mod state;

use std::path::{Path, PathBuf};

pub use eval::{EvalStep, Evaluation, Op, StepKind};
pub use explain::{explain_evaluation, Explanation, StepExplanation};
pub use plan::{BuildCache, Plan, PlannedStep, Reason, Status};
pub use select::{select, Selected, Selection};
pub use snapshot::{entry_digest, Digest, Entry, Kind, Snapshot, Stat};
pub use state::{default_state_path, State, STATE_VERSION};

/// Errors of the cache simulator. [`Error::is_rejected`] tells those BuildKit itself
/// would report (exit 1) from usage and I/O problems (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("build context {0} does not exist or is not a directory")]
    MissingContext(PathBuf),
    #[error("Dockerfile {0} not found (use -f to name it)")]
    MissingDockerfile(PathBuf),
    #[error("{file}:{line}:{column}: {message}")]
    Rejected {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("target stage \"{target}\" could not be found{}", known_stages(.known))]
    UnknownTarget { target: String, known: Vec<String> },
    #[error("{file}:{line}:{column}: unknown stage `{name}`{hint}")]
    UnknownStage {
        file: String,
        line: usize,
        column: usize,
        name: String,
        hint: String,
    },
    #[error("{0}")]
    Context(String),
    #[error("{0}")]
    State(String),
    #[error("git: {0}")]
    Git(String),
}

fn known_stages(known: &[String]) -> String {
    if known.is_empty() {
        " (the Dockerfile has no named stages)".into()
    } else {
        format!(" (stages: {})", known.join(", "))
    }
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// True when BuildKit itself would reject the Dockerfile (exit code 1).
    pub fn is_rejected(&self) -> bool {
        matches!(self, Error::Rejected { .. })
    }
}

/// Build options, as `docker build` takes them.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The Dockerfile (default `CONTEXT/Dockerfile`).
    pub dockerfile: Option<PathBuf>,
    /// `--build-arg` values.
    pub build_args: Vec<(String, String)>,
    /// `--target` stage.
    pub target: Option<String>,
}

/// What a plan compares against.
pub enum Baseline<'a> {
    /// A state file written by [`record`].
    State(&'a Path),
    /// The Dockerfile, `.dockerignore` and context as committed at a git revision.
    Since(&'a str),
    /// Nothing: a first build.
    None,
}

/// The build inputs berth reads from disk.
struct Inputs {
    context: PathBuf,
    dockerfile_path: PathBuf,
    dockerfile_name: String,
    dockerfile_text: String,
    dockerignore: Option<Vec<u8>>,
}

fn read_inputs(context: &Path, opts: &Options) -> Result<Inputs, Error> {
    if !context.is_dir() {
        return Err(Error::MissingContext(context.to_path_buf()));
    }
    let context = context.canonicalize().map_err(|e| Error::io(context, e))?;
    let dockerfile_path = match &opts.dockerfile {
        Some(p) => p.clone(),
        None => context.join("Dockerfile"),
    };
    let text = match std::fs::read(&dockerfile_path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::MissingDockerfile(dockerfile_path))
        }
        Err(e) => return Err(Error::io(&dockerfile_path, e)),
    };
    let dockerignore = read_dockerignore(&context, &dockerfile_path)?;
    Ok(Inputs {
        dockerfile_name: dockerfile_path.display().to_string(),
        context,
        dockerfile_path,
        dockerfile_text: text,
        dockerignore,
    })
}

/// `<Dockerfile>.dockerignore` next to the Dockerfile wins over `CONTEXT/.dockerignore`.
fn read_dockerignore(context: &Path, dockerfile: &Path) -> Result<Option<Vec<u8>>, Error> {
    let mut candidates = vec![];
    if let Some(name) = dockerfile.file_name() {
        let mut n = name.to_os_string();
        n.push(".dockerignore");
        candidates.push(dockerfile.with_file_name(n));
    }
    candidates.push(context.join(".dockerignore"));
    for c in candidates {
        match std::fs::read(&c) {
            Ok(b) => return Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(&c, e)),
        }
    }
    Ok(None)
}

fn evaluate_inputs(
    inputs: &Inputs,
    snapshot: &Snapshot,
    same_snapshot: Option<&Evaluation>,
    opts: &Options,
) -> Result<Evaluation, Error> {
    let df = berth_syntax::parse(&inputs.dockerfile_text);
    eval::evaluate(&eval::EvalInput {
        dockerfile: &df,
        file_name: &inputs.dockerfile_name,
        snapshot,
        same_snapshot,
        build_args: &opts.build_args,
        target: opts.target.as_deref(),
    })
}

/// Evaluates the Dockerfile against the context as it is now.
pub fn evaluate(context: &Path, opts: &Options) -> Result<(Evaluation, Snapshot), Error> {
    let inputs = read_inputs(context, opts)?;
    let ignore = snapshot::dockerignore_matcher(inputs.dockerignore.as_deref())?;
    let snap = Snapshot::scan(&inputs.context, &ignore, None)?;
    let eval = evaluate_inputs(&inputs, &snap, None, opts)?;
    Ok((eval, snap))
}

/// Records the cache keys a build of `context` would have now, atomically, in `state`.
/// Refuses a state path inside the build context (it would change what `COPY .` sends).
pub fn record(context: &Path, opts: &Options, state_path: &Path) -> Result<State, Error> {
    let inputs = read_inputs(context, opts)?;
    state::check_outside(&inputs.context, state_path)?;
    let previous = State::load(state_path).ok();
    let ignore = snapshot::dockerignore_matcher(inputs.dockerignore.as_deref())?;
    let snap = Snapshot::scan(
        &inputs.context,
        &ignore,
        previous.as_ref().map(|s| &s.snapshot),
    )?;
    let eval = evaluate_inputs(&inputs, &snap, None, opts)?;
    let state = State::new(&inputs.context, &inputs.dockerfile_path, eval, snap);
    state.save(state_path)?;
    Ok(state)
}

/// Predicts the status of every instruction against the baseline.
pub fn plan(context: &Path, opts: &Options, baseline: &Baseline) -> Result<Plan, Error> {
    let inputs = read_inputs(context, opts)?;
    let ignore = snapshot::dockerignore_matcher(inputs.dockerignore.as_deref())?;
    match baseline {
        Baseline::None => {
            let snap = Snapshot::scan(&inputs.context, &ignore, None)?;
            let eval = evaluate_inputs(&inputs, &snap, None, opts)?;
            Ok(plan::compare(
                &eval,
                &snap,
                None,
                Some("no record: a first build".into()),
            ))
        }
        Baseline::State(path) => {
            let (state, notice) = match State::load(path) {
                Ok(s) => (Some(s), None),
                Err(why) => (None, Some(why)),
            };
            let Some(state) = state else {
                let snap = Snapshot::scan(&inputs.context, &ignore, None)?;
                let eval = evaluate_inputs(&inputs, &snap, None, opts)?;
                return Ok(plan::compare(&eval, &snap, None, notice));
            };
            // An unchanged context is compared against the recorded snapshot itself.
            let changed = Snapshot::changed_since(&inputs.context, &ignore, &state.snapshot)?;
            let (snap, same_snapshot) = match &changed {
                Some(snap) => (snap, None),
                None => (&state.snapshot, Some(&state.evaluation)),
            };
            let eval = evaluate_inputs(&inputs, snap, same_snapshot, opts)?;
            let recorded = plan::Recorded {
                eval: &state.evaluation,
                snapshot: &state.snapshot,
            };
            Ok(plan::compare(&eval, snap, Some(recorded), notice))
        }
        Baseline::Since(rev) => {
            let (old_eval, old_snap) =
                git::evaluate_at(&inputs.context, &inputs.dockerfile_path, rev, opts)?;
            let snap = Snapshot::scan(&inputs.context, &ignore, None)?;
            let eval = evaluate_inputs(&inputs, &snap, None, opts)?;
            let recorded = plan::Recorded {
                eval: &old_eval,
                snapshot: &old_snap,
            };
            Ok(plan::compare(&eval, &snap, Some(recorded), None))
        }
    }
}

/// For every instruction, what can invalidate it: context files, args, env, earlier
/// steps. The linter quotes this ("RUN npm ci re-runs whenever any of 1,240 files changes").
pub fn explain(context: &Path, opts: &Options) -> Result<Explanation, Error> {
    let (eval, snap) = evaluate(context, opts)?;
    Ok(explain_evaluation(&eval, &snap))
}

/// Like [`explain`], for Dockerfile text already in memory (the linter's case): the
/// context is read from `context`, `.dockerignore` from `CONTEXT/.dockerignore`.
///
/// ```
/// let ctx = tempfile::tempdir().unwrap();
/// std::fs::create_dir(ctx.path().join("src")).unwrap();
/// for i in 0..3 {
///     std::fs::write(ctx.path().join(format!("src/{i}.js")), "x").unwrap();
/// }
/// let text = "FROM node:20\nCOPY . .\nRUN npm ci\n";
/// let x = berth_cache::explain_text(ctx.path(), text, &berth_cache::Options::default()).unwrap();
/// assert_eq!(x.steps[2].files, 4); // src/ and its three files
/// assert!(x.steps[2].summary.starts_with("RUN re-runs whenever any of 4 files changes"));
/// ```
pub fn explain_text(
    context: &Path,
    dockerfile: &str,
    opts: &Options,
) -> Result<Explanation, Error> {
    if !context.is_dir() {
        return Err(Error::MissingContext(context.to_path_buf()));
    }
    let ignore_bytes = read_dockerignore(context, &context.join("Dockerfile"))?;
    let ignore = snapshot::dockerignore_matcher(ignore_bytes.as_deref())?;
    let snap = Snapshot::scan(context, &ignore, None)?;
    let eval = evaluate_text(dockerfile, &snap, opts)?;
    Ok(explain_evaluation(&eval, &snap))
}

/// Evaluates Dockerfile text against an in-memory snapshot (for tests and tools that
/// already hold the context).
pub fn evaluate_text(
    dockerfile: &str,
    snapshot: &Snapshot,
    opts: &Options,
) -> Result<Evaluation, Error> {
    let df = berth_syntax::parse(dockerfile);
    eval::evaluate(&eval::EvalInput {
        dockerfile: &df,
        file_name: "Dockerfile",
        snapshot,
        same_snapshot: None,
        build_args: &opts.build_args,
        target: opts.target.as_deref(),
    })
}

/// Compares two evaluations (the second is the record).
pub fn compare(
    current: &Evaluation,
    snapshot: &Snapshot,
    recorded: Option<(&Evaluation, &Snapshot)>,
) -> Plan {
    plan::compare(
        current,
        snapshot,
        recorded.map(|(eval, snapshot)| plan::Recorded { eval, snapshot }),
        None,
    )
}

/// Compares an evaluation with the build before it (`previous`, which gives the causes)
/// for a builder whose cache holds every build of `cache` too: `berth cache history`'s
/// step, one commit at a time.
pub fn compare_with_cache(
    current: &Evaluation,
    snapshot: &Snapshot,
    previous: Option<(&Evaluation, &Snapshot)>,
    cache: &BuildCache,
) -> Plan {
    plan::compare_cached(
        current,
        snapshot,
        previous.map(|(eval, snapshot)| plan::Recorded { eval, snapshot }),
        Some(cache),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plans of an unchanged context reuse the record (snapshot and selection digests);
    /// a Dockerfile that selects something new from it is still hashed afresh.
    #[test]
    fn unchanged_context_plans_reuse_the_record_soundly() {
        let ctx = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let state = out.path().join("state");
        std::fs::create_dir(ctx.path().join("src")).unwrap();
        std::fs::write(ctx.path().join("src/a.js"), "a").unwrap();
        std::fs::write(ctx.path().join("b.txt"), "b").unwrap();
        let dockerfile = "FROM busybox\nCOPY src /src\nCOPY . /all\n";
        std::fs::write(ctx.path().join("Dockerfile"), dockerfile).unwrap();
        let opts = Options::default();
        let recorded = record(ctx.path(), &opts, &state).unwrap();
        // Old enough that stat fingerprints are trusted (no racy re-reads).
        let mut settled = State::load(&state).unwrap();
        settled.snapshot.taken_at += 10;
        settled.save(&state).unwrap();

        let p = plan(ctx.path(), &opts, &Baseline::State(&state)).unwrap();
        assert!(p.steps.iter().all(|s| s.status == Status::Cached), "{p:?}");

        // Same snapshot, a new selection: its digest is computed, not guessed.
        let text = format!("{dockerfile}COPY b.txt /b\n");
        let df = berth_syntax::parse(&text);
        let digests = |same_snapshot| -> Vec<String> {
            let eval = eval::evaluate(&eval::EvalInput {
                dockerfile: &df,
                file_name: "Dockerfile",
                snapshot: &recorded.snapshot,
                same_snapshot,
                build_args: &[],
                target: None,
            })
            .unwrap();
            eval.steps
                .iter()
                .filter_map(|s| s.op.as_ref())
                .flat_map(|o| o.selections.iter().map(|(_, d)| d.clone()))
                .collect()
        };
        let fresh = digests(None);
        assert_eq!(fresh.len(), 3);
        assert_eq!(fresh, digests(Some(&recorded.evaluation)));
    }
}

/// The README's example (the crate's page on crates.io), run as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
