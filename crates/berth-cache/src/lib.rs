//! berth-cache: predicts, without building, which steps of a Dockerfile the next
//! `docker build` takes from the layer cache, which it re-runs, and why.
//!
//! It is the only place that knows what invalidates a step. It computes BuildKit's
//! cache keys from the two models berth has of a build and nothing else:
//! `berth_syntax::scope` for the Dockerfile (stages, ARG/ENV in effect, expanded
//! operands) and `berth_context` for the build context (what each COPY selects and its
//! digest). It records the keys of a build ([`record`]), compares a later evaluation
//! with that record ([`plan`]), and says what each step depends on ([`explain`]; the
//! linter asks [`explain_parsed`], which needs a walk of the context but never reads a
//! file).
//!
//! Where engines differ, [`Options::engine`] picks the profile (current BuildKit by
//! default, or Docker 20.10); see [`Engine`].
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
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod eval;
mod explain;
mod git;
mod plan;
mod state;

use std::path::{Path, PathBuf};

pub use berth_context::Engine;
use berth_context::{Context, Rescan, Snapshot, Tree};
use berth_syntax::scope::{Frontend, Scope, ScopeOptions};
use berth_syntax::Dockerfile;
pub use eval::{remote_source, ContextRead, EvalStep, Evaluation, NamedRead, Op, Remote, StepKind};
pub use explain::{explain_evaluation, Explanation, StepExplanation};
pub use plan::{BuildCache, Plan, PlannedStep, Reason, Status};
pub use state::{default_state_path, State};

/// Errors of the cache simulator. [`Error::is_rejected`] tells those BuildKit itself
/// would report (exit 1) from usage and I/O problems (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The build context is not a directory.
    #[error("build context {0} does not exist or is not a directory")]
    MissingContext(PathBuf),
    /// The Dockerfile does not exist.
    #[error("Dockerfile {0} not found (use -f to name it)")]
    MissingDockerfile(PathBuf),
    /// BuildKit would reject the Dockerfile here, with this message.
    #[error("{file}:{line}:{column}: {message}")]
    Rejected {
        /// The Dockerfile, as named to the user.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// BuildKit's message.
        message: String,
    },
    /// `--target` names no stage.
    #[error("target stage \"{target}\" could not be found{}", known_stages(.known))]
    UnknownTarget {
        /// The requested target.
        target: String,
        /// The stage names there are.
        known: Vec<String>,
    },
    /// A `--from` value that is almost a stage name (BuildKit would pull it as an image).
    #[error("{file}:{line}:{column}: unknown stage `{name}`{hint}")]
    UnknownStage {
        /// The Dockerfile, as named to the user.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The value as written.
        name: String,
        /// The suggestion.
        hint: String,
    },
    /// The context could not be read (I/O, or a `.dockerignore` BuildKit rejects).
    #[error("{0}")]
    Context(String),
    /// The state file could not be written, or is inside the context.
    #[error("{0}")]
    State(String),
    /// `--since`: git failed or the revision does not exist.
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

impl From<berth_context::ContextError> for Error {
    fn from(e: berth_context::ContextError) -> Error {
        match e {
            berth_context::ContextError::Io { path, source } => Error::Io { path, source },
            other => Error::Context(other.to_string()),
        }
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
    /// The engine to reproduce where engines differ.
    pub engine: Engine,
    /// Named build contexts (`--build-context NAME=VALUE`, compose's
    /// `additional_contexts`): a local directory is read like the main context (with its
    /// own `.dockerignore`); any other value (see [`named_context_is_local`]) makes the
    /// steps reading it not predictable.
    pub named_contexts: Vec<(String, String)>,
}

/// Whether a named context's value is a local directory, as buildx tells them apart:
/// `docker-image://`, `oci-layout://`, `target:`, compose's `service:`, and URLs (git or
/// HTTP) are not.
///
/// ```
/// assert!(berth_cache::named_context_is_local("../docs"));
/// assert!(!berth_cache::named_context_is_local("docker-image://alpine:3.20"));
/// assert!(!berth_cache::named_context_is_local("target:base"));
/// assert!(!berth_cache::named_context_is_local("https://github.com/moby/buildkit.git"));
/// ```
pub fn named_context_is_local(value: &str) -> bool {
    let elsewhere = ["target:", "service:", "input:"];
    !(value.contains("://")
        || elsewhere.iter().any(|p| value.starts_with(p))
        || remote_source(value).is_some())
}

/// A named build context as an evaluation reads it.
pub(crate) enum Named {
    /// A local directory, digested.
    Local(Snapshot),
    /// Anything else, with its value.
    Elsewhere(String),
}

/// Opens the named contexts of a build (a local one must be a directory).
fn open_named(opts: &Options) -> Result<Vec<(String, Option<Context>, String)>, Error> {
    let mut named = vec![];
    for (name, value) in &opts.named_contexts {
        if !named_context_is_local(value) {
            named.push((name.clone(), None, value.clone()));
            continue;
        }
        let path = Path::new(value);
        if !path.is_dir() {
            return Err(Error::Context(format!(
                "build context `{name}` ({value}) does not exist or is not a directory"
            )));
        }
        let root = path.canonicalize().map_err(|e| Error::io(path, e))?;
        let context = Context::open(&root, None, opts.engine)?;
        named.push((name.clone(), Some(context), value.clone()));
    }
    Ok(named)
}

/// Digests the named contexts as they are now.
fn snapshot_named(
    named: &[(String, Option<Context>, String)],
) -> Result<Vec<(String, Named)>, Error> {
    named
        .iter()
        .map(|(name, context, value)| {
            Ok((
                name.clone(),
                match context {
                    Some(context) => Named::Local(context.snapshot(None, None)?.0),
                    None => Named::Elsewhere(value.clone()),
                },
            ))
        })
        .collect()
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

/// The Dockerfile frontend of an engine profile.
pub fn frontend(engine: Engine) -> Frontend {
    match engine {
        Engine::BuildKit => Frontend::CURRENT,
        Engine::Docker20 => Frontend::BUILDKIT_0_8,
    }
}

/// The scope options of a build: its build args and target, the native platform, and
/// the engine's frontend.
pub fn scope_options(opts: &Options) -> ScopeOptions {
    ScopeOptions {
        build_args: opts.build_args.clone(),
        target: opts.target.clone(),
        frontend: frontend(opts.engine),
        ..ScopeOptions::default()
    }
}

/// The build inputs berth reads from disk.
struct Inputs {
    context: Context,
    /// The named contexts, digested.
    named: Vec<(String, Named)>,
    dockerfile_path: PathBuf,
    dockerfile_name: String,
    dockerfile_text: String,
}

fn read_inputs(context: &Path, opts: &Options) -> Result<Inputs, Error> {
    if !context.is_dir() {
        return Err(Error::MissingContext(context.to_path_buf()));
    }
    let root = context.canonicalize().map_err(|e| Error::io(context, e))?;
    let dockerfile_path = match &opts.dockerfile {
        Some(p) => p.clone(),
        None => root.join("Dockerfile"),
    };
    let text = match std::fs::read(&dockerfile_path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::MissingDockerfile(dockerfile_path))
        }
        Err(e) => return Err(Error::io(&dockerfile_path, e)),
    };
    Ok(Inputs {
        context: Context::open(&root, Some(&dockerfile_path), opts.engine)?,
        named: snapshot_named(&open_named(opts)?)?,
        dockerfile_name: dockerfile_path.display().to_string(),
        dockerfile_path,
        dockerfile_text: text,
    })
}

/// Parses and evaluates Dockerfile text: against `snapshot` when given (keys), else for
/// its structure only.
pub(crate) fn evaluate_dockerfile(
    text: &str,
    file_name: &str,
    snapshot: Option<&Snapshot>,
    same_snapshot: Option<&Evaluation>,
    named: &[(String, Named)],
    opts: &Options,
) -> Result<Evaluation, Error> {
    let df = berth_syntax::parse(text);
    let scope = berth_syntax::scope::resolve(&df, &scope_options(opts));
    let input = eval::EvalInput {
        dockerfile: &df,
        file_name,
        scope: &scope,
        snapshot,
        same_snapshot,
        named,
        engine: opts.engine,
        lenient: false,
        texts: true,
    };
    eval::evaluate(&input, opts.target.as_deref())
}

impl Inputs {
    fn evaluate(
        &self,
        snapshot: &Snapshot,
        same_snapshot: Option<&Evaluation>,
        opts: &Options,
    ) -> Result<Evaluation, Error> {
        evaluate_dockerfile(
            &self.dockerfile_text,
            &self.dockerfile_name,
            Some(snapshot),
            same_snapshot,
            &self.named,
            opts,
        )
    }
}

/// Evaluates the Dockerfile against the context as it is now (every file digested).
pub fn evaluate(context: &Path, opts: &Options) -> Result<(Evaluation, Snapshot), Error> {
    let inputs = read_inputs(context, opts)?;
    let (snapshot, _) = inputs.context.snapshot(None, None)?;
    let eval = inputs.evaluate(&snapshot, None, opts)?;
    Ok((eval, snapshot))
}

/// Records the cache keys a build of `context` would have now, atomically, in `state`.
/// Refuses a state path inside the build context (it would change what `COPY .` sends).
/// An earlier record of the same context is the engine's earlier view: its digests of
/// unchanged files are reused, and its directory modes kept (see
/// [`berth_context::Reuse::EngineView`]).
pub fn record(context: &Path, opts: &Options, state_path: &Path) -> Result<State, Error> {
    let inputs = read_inputs(context, opts)?;
    state::check_outside(inputs.context.root(), state_path)?;
    let previous = State::load(state_path)
        .ok()
        .filter(|s| s.context == inputs.context.root());
    let (snapshot, same) = match &previous {
        Some(previous) => match inputs.context.engine_view(&previous.snapshot, None)? {
            Rescan::Unchanged => (previous.snapshot.clone(), Some(&previous.evaluation)),
            Rescan::Changed(snapshot, _) => (snapshot, None),
        },
        None => (inputs.context.snapshot(None, None)?.0, None),
    };
    let evaluation = inputs.evaluate(&snapshot, same, opts)?;
    let state = State {
        context: inputs.context.root().to_path_buf(),
        dockerfile: inputs.dockerfile_path.clone(),
        engine: opts.engine,
        evaluation,
        snapshot,
    };
    state.save(state_path)?;
    Ok(state)
}

/// Predicts the status of every instruction against the baseline.
pub fn plan(context: &Path, opts: &Options, baseline: &Baseline) -> Result<Plan, Error> {
    let inputs = read_inputs(context, opts)?;
    match baseline {
        Baseline::None => {
            let (snapshot, _) = inputs.context.snapshot(None, None)?;
            let eval = inputs.evaluate(&snapshot, None, opts)?;
            Ok(plan::compare(
                &eval,
                &snapshot,
                None,
                Some("no record: a first build".into()),
            ))
        }
        Baseline::State(path) => {
            let state = match State::load(path) {
                Ok(s) => s,
                Err(why) => {
                    let (snapshot, _) = inputs.context.snapshot(None, None)?;
                    let eval = inputs.evaluate(&snapshot, None, opts)?;
                    return Ok(plan::compare(&eval, &snapshot, None, Some(why)));
                }
            };
            // The engine's view of the context since the record; an unchanged one is
            // the recorded snapshot itself, whose selection digests are reused.
            let view = inputs.context.engine_view(&state.snapshot, None)?;
            let (snapshot, same_snapshot, stale) = match &view {
                Rescan::Changed(snapshot, stats) => (snapshot, None, &stats.stale[..]),
                Rescan::Unchanged => (&state.snapshot, Some(&state.evaluation), &[][..]),
            };
            let eval = inputs.evaluate(snapshot, same_snapshot, opts)?;
            let recorded = plan::Recorded {
                eval: &state.evaluation,
                snapshot: &state.snapshot,
            };
            let mut plan = plan::compare(&eval, snapshot, Some(recorded), None);
            plan::mark_stale(&mut plan, &eval, snapshot, stale);
            Ok(plan)
        }
        Baseline::Since(rev) => {
            let (old_eval, old_snap) = git::evaluate_at(
                inputs.context.root(),
                &inputs.dockerfile_path,
                rev,
                &inputs.named,
                opts,
            )?;
            let view = inputs.context.engine_view(&old_snap, None)?;
            let (snapshot, same_snapshot) = match &view {
                Rescan::Changed(snapshot, _) => (snapshot, None),
                Rescan::Unchanged => (&old_snap, Some(&old_eval)),
            };
            let eval = inputs.evaluate(snapshot, same_snapshot, opts)?;
            let recorded = plan::Recorded {
                eval: &old_eval,
                snapshot: &old_snap,
            };
            let mut plan = plan::compare(&eval, snapshot, Some(recorded), None);
            if !opts.named_contexts.is_empty() {
                plan.warnings.push(format!(
                    "--since compares the named build contexts as they are now, not as committed at {rev}: a change to one since then is not seen"
                ));
            }
            Ok(plan)
        }
    }
}

/// For every instruction, what can invalidate it: context files, args, env, earlier
/// steps. Walks the context but reads no file.
pub fn explain(context: &Path, opts: &Options) -> Result<Explanation, Error> {
    let inputs = read_inputs(context, opts)?;
    let tree = inputs.context.tree()?;
    let eval = evaluate_dockerfile(
        &inputs.dockerfile_text,
        &inputs.dockerfile_name,
        None,
        None,
        &inputs.named,
        opts,
    )?;
    Ok(explain_evaluation(&eval, &tree))
}

/// Like [`explain`], for Dockerfile text already in memory: the context is read from
/// `context` (with `CONTEXT/.dockerignore`).
///
/// ```
/// let ctx = tempfile::tempdir().unwrap();
/// std::fs::create_dir(ctx.path().join("src")).unwrap();
/// for i in 0..3 {
///     std::fs::write(ctx.path().join(format!("src/{i}.js")), "x").unwrap();
/// }
/// let text = "FROM node:20\nCOPY . .\nRUN npm ci\n";
/// let x = berth_cache::explain_text(ctx.path(), text, &berth_cache::Options::default()).unwrap();
/// assert_eq!(x.steps[2].files, 3);
/// assert!(x.steps[2].summary.starts_with("RUN re-runs whenever any of 3 files changes"));
/// ```
pub fn explain_text(
    context: &Path,
    dockerfile: &str,
    opts: &Options,
) -> Result<Explanation, Error> {
    if !context.is_dir() {
        return Err(Error::MissingContext(context.to_path_buf()));
    }
    let tree = Context::open(context, None, opts.engine)?.tree()?;
    let eval = evaluate_dockerfile(dockerfile, "Dockerfile", None, None, &[], opts)?;
    Ok(explain_evaluation(&eval, &tree))
}

/// The linter's question: for a parsed Dockerfile and its resolved scope (default
/// options: no build args, the last stage), what each step reads from `tree` and what
/// invalidates it. Nothing is hashed, and nothing BuildKit would reject stops it: such
/// instructions are left out (the linter reports them on its own). The texts a person
/// reads (instruction, summary, top paths) are left empty: the linter words its own.
pub fn explain_parsed(
    dockerfile: &Dockerfile,
    scope: &Scope,
    tree: &Tree,
    engine: Engine,
) -> Explanation {
    let input = eval::EvalInput {
        dockerfile,
        file_name: "Dockerfile",
        scope,
        snapshot: None,
        same_snapshot: None,
        named: &[],
        engine,
        lenient: true,
        texts: false,
    };
    match eval::evaluate(&input, None) {
        Ok(eval) => explain::explain_with(&eval, tree, false),
        // Lenient evaluation does not fail; an empty explanation is the safe answer.
        Err(_) => Explanation {
            target: String::new(),
            steps: Vec::new(),
        },
    }
}

/// Evaluates Dockerfile text against an in-memory snapshot (for tests and tools that
/// already hold the context).
pub fn evaluate_text(
    dockerfile: &str,
    snapshot: &Snapshot,
    opts: &Options,
) -> Result<Evaluation, Error> {
    evaluate_dockerfile(dockerfile, "Dockerfile", Some(snapshot), None, &[], opts)
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
mod tests;

/// The README's example (the crate's page on crates.io), run as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
