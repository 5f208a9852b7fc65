//! `berth cache` subcommands: record, plan and explain (DESIGN.md 3.1 and 3.4).

use std::io::IsTerminal;
use std::path::PathBuf;

use berth_cache::{Baseline, Options, Plan, Status};

use super::{CmdResult, EngineProfile};
use crate::color::ColorChoice;
use crate::{EXIT_FINDINGS, EXIT_OK};

/// Options shared by every `berth cache` subcommand.
#[derive(clap::Args, Clone)]
pub struct BuildArgs {
    /// The build context directory (with --compose: the first service to build).
    #[arg(value_name = "CONTEXT", required_unless_present = "compose")]
    pub context: Option<PathBuf>,
    /// With --compose: the services to build (default: every enabled service with a
    /// `build:` section).
    #[arg(value_name = "SERVICE", requires = "compose")]
    pub services: Vec<String>,
    /// A compose file (or a directory holding one): simulate each service's build
    /// (repeat to merge several files, as `docker compose -f a -f b`).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["file", "target"])]
    pub compose: Vec<PathBuf>,
    /// With --compose: a profile to enable (repeatable; default: COMPOSE_PROFILES).
    #[arg(long, value_name = "NAME", requires = "compose")]
    pub profile: Vec<String>,
    /// The Dockerfile (default: CONTEXT/Dockerfile).
    #[arg(short = 'f', long = "file", value_name = "DOCKERFILE")]
    pub file: Option<PathBuf>,
    /// A build arg, `KEY=VALUE` (or `KEY` to take the value from the environment).
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    pub build_arg: Vec<String>,
    /// The stage to build (default: the last).
    #[arg(long)]
    pub target: Option<String>,
    /// A named build context, `NAME=PATH` (as `docker buildx build --build-context`): read
    /// by `COPY --from=NAME`, `RUN --mount=from=NAME` and `FROM NAME`. A value that is no
    /// local directory (`docker-image://`, `target:`, a URL) makes the steps reading it
    /// not predictable.
    #[arg(
        long = "build-context",
        value_name = "NAME=PATH",
        conflicts_with = "compose"
    )]
    pub build_context: Vec<String>,
    /// The state file (default: under the user's cache directory, keyed by the
    /// context's absolute path). With --compose: a directory holding one state per service.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// The engine to reproduce where engines differ.
    #[arg(long, value_enum, default_value = "buildkit")]
    pub engine: EngineProfile,
}

impl BuildArgs {
    /// The build context (present unless --compose is given; clap checks it).
    fn context(&self) -> &std::path::Path {
        self.context.as_deref().unwrap_or(std::path::Path::new("."))
    }
}

/// Output format of `plan` and `explain`.
#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One row per instruction, for people.
    Table,
    /// The JSON documented in the README.
    Json,
}

/// Subcommands of `berth cache`.
#[derive(clap::Subcommand)]
pub enum CacheCommand {
    /// Remember the cache keys of a build of CONTEXT (run it after `docker build`).
    Record {
        #[command(flatten)]
        build: BuildArgs,
    },
    /// Predict, for every instruction, whether the next build takes it from cache.
    Plan {
        #[command(flatten)]
        build: BuildArgs,
        /// Compare with the Dockerfile and context committed at this git revision
        /// instead of a record.
        #[arg(long, value_name = "REV", conflicts_with = "state")]
        since: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// When to colour the statuses.
        #[arg(long, value_enum, value_name = "WHEN", default_value_t)]
        color: ColorChoice,
    },
    /// For every instruction, which files, args, env and earlier steps can invalidate it.
    Explain {
        #[command(flatten)]
        build: BuildArgs,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Replay the git history: for every first-parent commit, which steps a builder that
    /// built every earlier commit re-runs, and why; per step, how often and what caused it.
    History(super::cache_history::HistoryArgs),
}

/// `--build-arg` values: `KEY=VALUE`, or `KEY` taken from the environment when set there.
pub(crate) fn build_arg_values(values: &[String]) -> Result<Vec<(String, String)>, String> {
    let mut build_args = vec![];
    for arg in values {
        match arg.split_once('=') {
            Some((k, v)) if !k.is_empty() => build_args.push((k.to_string(), v.to_string())),
            Some(_) => return Err(format!("--build-arg `{arg}`: the name is empty")),
            None => {
                // Like docker: `--build-arg KEY` takes KEY from the environment, if set.
                if let Ok(v) = std::env::var(arg) {
                    build_args.push((arg.clone(), v));
                }
            }
        }
    }
    Ok(build_args)
}

fn options(build: &BuildArgs) -> Result<Options, String> {
    Ok(Options {
        dockerfile: build.file.clone(),
        build_args: build_arg_values(&build.build_arg)?,
        target: build.target.clone(),
        engine: build.engine.into(),
        named_contexts: named_context_values(&build.build_context)?,
    })
}

/// `--build-context` values: `NAME=VALUE`, both non-empty.
fn named_context_values(values: &[String]) -> Result<Vec<(String, String)>, String> {
    values
        .iter()
        .map(|value| match value.split_once('=') {
            Some((name, v)) if !name.is_empty() && !v.is_empty() => {
                Ok((name.to_string(), v.to_string()))
            }
            _ => Err(format!(
                "--build-context `{value}`: expected NAME=PATH (or NAME=docker-image://REF)"
            )),
        })
        .collect()
}

fn state_path(build: &BuildArgs) -> PathBuf {
    build
        .state
        .clone()
        .unwrap_or_else(|| berth_cache::default_state_path(build.context()))
}

/// Errors BuildKit itself would report exit 1; everything else exits 2.
fn failure(err: berth_cache::Error) -> CmdResult {
    if err.is_rejected() {
        eprintln!("berth: error: {err}");
        Ok(EXIT_FINDINGS)
    } else {
        Err(err.to_string().into())
    }
}

pub fn run(command: CacheCommand) -> CmdResult {
    let build = match command {
        CacheCommand::History(args) => return super::cache_history::run(args),
        CacheCommand::Record { ref build }
        | CacheCommand::Plan { ref build, .. }
        | CacheCommand::Explain { ref build, .. } => build,
    };
    if !build.compose.is_empty() {
        return super::cache_compose::run(command);
    }
    match command {
        CacheCommand::History(args) => super::cache_history::run(args),
        CacheCommand::Record { build } => {
            let opts = options(&build)?;
            let state = state_path(&build);
            match berth_cache::record(build.context(), &opts, &state) {
                Ok(s) => {
                    let steps = s
                        .evaluation
                        .steps
                        .iter()
                        .filter(|s| s.op.is_some() && s.kind == berth_cache::StepKind::Op)
                        .count();
                    eprintln!(
                        "recorded {steps} build steps of target {} and {} context paths in {}",
                        s.evaluation.target,
                        s.snapshot.entries().len() - 1,
                        state.display()
                    );
                    Ok(EXIT_OK)
                }
                Err(e) => failure(e),
            }
        }
        CacheCommand::Plan {
            build,
            since,
            format,
            color,
        } => {
            let opts = options(&build)?;
            let state = state_path(&build);
            let baseline = match &since {
                Some(rev) => Baseline::Since(rev),
                None => Baseline::State(&state),
            };
            let plan = match berth_cache::plan(build.context(), &opts, &baseline) {
                Ok(p) => p,
                Err(e) => return failure(e),
            };
            if let Some(notice) = &plan.notice {
                eprintln!("berth: note: {notice}");
            }
            for warning in &plan.warnings {
                eprintln!("berth: warning: {warning}");
            }
            match format {
                Format::Json => emit(&format!("{}\n", serde_json::to_string_pretty(&plan)?))?,
                Format::Table => emit(&plan_table(
                    &plan,
                    color.enabled(std::io::stdout().is_terminal()),
                ))?,
            }
            Ok(EXIT_OK)
        }
        CacheCommand::Explain { build, format } => {
            let opts = options(&build)?;
            let explanation = match berth_cache::explain(build.context(), &opts) {
                Ok(x) => x,
                Err(e) => return failure(e),
            };
            match format {
                Format::Json => emit(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&explanation)?
                ))?,
                Format::Table => {
                    let mut out = format!("target: {}\n", explanation.target);
                    for s in &explanation.steps {
                        out.push_str(&format!(
                            "{:>4}  {:<10} {}\n",
                            s.line,
                            s.stage,
                            first_line(&s.instruction, 70)
                        ));
                        out.push_str(&format!("      {}\n", s.summary));
                    }
                    emit(&out)?;
                }
            }
            Ok(EXIT_OK)
        }
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub(crate) fn emit(text: &str) -> Result<(), std::io::Error> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

pub(crate) fn first_line(text: &str, max: usize) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= max {
        one
    } else {
        let cut: String = one.chars().take(max - 3).collect();
        format!("{cut}...")
    }
}

/// The readable plan: one row per instruction, with the cause of each re-run.
pub(crate) fn plan_table(plan: &Plan, color: bool) -> String {
    let mut out = format!("target: {}\n", plan.target);
    let stage_w = plan
        .steps
        .iter()
        .map(|s| s.stage.len())
        .max()
        .unwrap_or(5)
        .max(5);
    out.push_str(&format!(
        "{:>4}  {:<stage_w$}  {:<8}  {}\n",
        "LINE", "STAGE", "STATUS", "INSTRUCTION"
    ));
    let (mut cached, mut rebuild, mut maybe) = (0, 0, 0);
    for s in &plan.steps {
        let status = s.status.as_str();
        let painted = if color {
            let code = match s.status {
                Status::Cached => "32",
                Status::Rebuild => "31",
                Status::Maybe => "33",
                Status::Metadata | Status::Skipped => "2",
            };
            format!("\x1b[{code}m{status:<8}\x1b[0m")
        } else {
            format!("{status:<8}")
        };
        out.push_str(&format!(
            "{:>4}  {:<stage_w$}  {painted}  {}\n",
            s.line,
            s.stage,
            first_line(&s.instruction, 60)
        ));
        match s.status {
            Status::Cached => cached += 1,
            Status::Rebuild => rebuild += 1,
            Status::Maybe => maybe += 1,
            _ => {}
        }
        if matches!(s.status, Status::Rebuild | Status::Maybe) {
            out.push_str(&format!(
                "{:>4}  {:<stage_w$}  {:<8}  -> {}\n",
                "", "", "", s.reason.detail
            ));
        }
    }
    out.push_str(&format!(
        "{cached} cached, {rebuild} re-run, {maybe} maybe\n"
    ));
    out
}
