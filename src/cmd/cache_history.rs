//! `berth cache history`: replays the git history (DESIGN.md 3.5) and prints it as a
//! table, JSON or a self-contained HTML page.

use std::path::{Path, PathBuf};

use berth_cache::Status;
use berth_history::git::{Range, Repo};
use berth_history::report::{History, Summary};
use berth_history::walk::Layout;

use super::cache::{build_arg_values, emit, first_line};
use super::{CmdResult, EngineProfile};
use crate::progress::{Progress, Unit};
use crate::EXIT_OK;

/// Output format of `berth cache history`.
#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum HistoryFormat {
    /// Per step: re-runs, rate and top causes (and the same for the what-if).
    Table,
    /// DESIGN.md 3.5's JSON.
    Json,
    /// One self-contained page with a chart of re-runs per step over the commits.
    Html,
}

/// Arguments of `berth cache history`.
#[derive(clap::Args)]
pub struct HistoryArgs {
    /// The build context, inside a git repository (default: the current folder; with
    /// --compose: the first service to replay).
    #[arg(value_name = "CONTEXT")]
    pub context: Option<PathBuf>,
    /// With --compose: the services to replay (default: every enabled service with a
    /// `build:` section).
    #[arg(value_name = "SERVICE", requires = "compose")]
    pub services: Vec<String>,
    /// A compose file (or a directory holding one), as it is in the work tree: replay
    /// each service's build (its context, Dockerfile, args and target) over the same
    /// commits (repeat to merge several files).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["file", "target", "what_if"])]
    pub compose: Vec<PathBuf>,
    /// With --compose: a profile to enable (repeatable; default: COMPOSE_PROFILES).
    #[arg(long, value_name = "NAME", requires = "compose")]
    pub profile: Vec<String>,
    /// The Dockerfile (default: CONTEXT/Dockerfile), read from each commit.
    #[arg(short = 'f', long = "file", value_name = "DOCKERFILE")]
    pub file: Option<PathBuf>,
    /// A build arg, `KEY=VALUE` (or `KEY` to take the value from the environment).
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    pub build_arg: Vec<String>,
    /// The stage to build (default: the last).
    #[arg(long)]
    pub target: Option<String>,
    /// The commits of B not reachable from A, along first parents (git's `A..B`; an
    /// empty side is HEAD).
    #[arg(long, value_name = "A..B", conflicts_with = "max_count")]
    pub range: Option<String>,
    /// Only the last N first-parent commits of HEAD (default: all).
    #[arg(short = 'n', long, value_name = "N")]
    pub max_count: Option<usize>,
    /// Replay the history again as if FILE had been committed in place of the
    /// Dockerfile at every commit, and compare.
    #[arg(long, value_name = "FILE")]
    pub what_if: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: HistoryFormat,
    /// The engine to reproduce where engines differ.
    #[arg(long, value_enum, default_value = "buildkit")]
    pub engine: EngineProfile,
    /// Write the output to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: HistoryArgs) -> CmdResult {
    if !args.compose.is_empty() {
        return super::cache_compose::history(&args);
    }
    let context = args.context.clone().unwrap_or_else(|| PathBuf::from("."));
    let build = berth_cache::Options {
        dockerfile: None,
        build_args: build_arg_values(&args.build_arg)?,
        target: args.target.clone(),
        engine: args.engine.into(),
        named_contexts: vec![],
    };
    let (history, top) = replay_build(&context, args.file.as_deref(), build, &args)?;
    let text = match args.format {
        HistoryFormat::Table => table(&history),
        HistoryFormat::Json => format!("{}\n", serde_json::to_string_pretty(&history)?),
        HistoryFormat::Html => {
            let name = top
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "repository".into());
            berth_history::html::render(&history, &name)
        }
    };
    write_output(&args, &text)?;
    Ok(EXIT_OK)
}

/// Writes the output to `-o FILE` or standard output.
pub(crate) fn write_output(args: &HistoryArgs, text: &str) -> Result<(), String> {
    match &args.output {
        Some(path) => std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display())),
        None => emit(text).map_err(|e| e.to_string()),
    }
}

/// Replays the build of `context` (with `dockerfile`, default `CONTEXT/Dockerfile`, read
/// from each commit) over the commits `args` selects; returns the history and the top
/// of the repository.
pub(crate) fn replay_build(
    context: &Path,
    dockerfile: Option<&Path>,
    build: berth_cache::Options,
    args: &HistoryArgs,
) -> Result<(History, PathBuf), String> {
    let repo = Repo::discover(existing_folder(context)).map_err(|e| e.to_string())?;
    let layout = Layout::new(repo.top(), context, dockerfile)?;
    let range = match (&args.range, args.max_count) {
        (Some(text), _) => Range::parse(text).ok_or_else(|| {
            format!("--range `{text}`: expected A..B (commits of B not reachable from A)")
        })?,
        (None, Some(0)) => return Err("--max-count must be at least 1".into()),
        (None, Some(n)) => Range::Last(n),
        (None, None) => Range::All,
    };
    let what_if = match &args.what_if {
        Some(path) => {
            let text =
                std::fs::read(path).map_err(|e| format!("--what-if {}: {e}", path.display()))?;
            Some((path.display().to_string(), text))
        }
        None => None,
    };
    let opts = berth_history::Options {
        layout,
        build,
        range,
        what_if,
    };
    let progress = Progress::new("replaying", Unit::Items("commits"));
    let history = berth_history::replay(&repo, &opts, &mut |done, total| {
        progress.set(done as u64, total as u64)
    })
    .map_err(|e| e.to_string())?;
    progress.finish();
    Ok((history, repo.top().to_path_buf()))
}

/// The nearest existing folder at or above `path` (a context that only existed in
/// earlier commits is still inside the repository).
fn existing_folder(path: &Path) -> &Path {
    let mut folder = path;
    while !folder.is_dir() {
        match folder.parent() {
            Some(p) if !p.as_os_str().is_empty() => folder = p,
            _ => return Path::new("."),
        }
    }
    folder
}

/// The table: per step of the newest Dockerfile, its re-runs, their rate and their top
/// causes; the same for the what-if; the commits that were not built.
pub fn table(history: &History) -> String {
    let built = history
        .commits
        .iter()
        .filter(|c| c.skipped.is_none())
        .count();
    let mut out = format!(
        "{} commits walked, {built} built: the first from an empty cache, {} with the cache of every earlier build (target {})\n",
        history.commits.len(),
        history.summary.builds,
        history.target
    );
    out.push_str("\nDockerfile\n");
    summary_table(&mut out, &history.summary);
    if let Some(what_if) = &history.what_if {
        out.push_str(&format!("\nWhat if: {}\n", what_if.file));
        summary_table(&mut out, &what_if.summary);
        let total = |commits: &[berth_history::report::CommitBuild]| -> usize {
            commits
                .iter()
                .filter(|c| !c.baseline)
                .flat_map(|c| &c.steps)
                .filter(|s| s.status == Status::Rebuild)
                .count()
        };
        out.push_str(&format!(
            "\nsteps re-run over {} builds: {} with the Dockerfile, {} with {}\n",
            history.summary.builds,
            total(&history.commits),
            total(&what_if.commits),
            what_if.file
        ));
    }
    let skipped: Vec<String> = history
        .commits
        .iter()
        .filter_map(|c| {
            c.skipped
                .as_ref()
                .map(|why| format!("  {} {}: {why}", &c.rev[..c.rev.len().min(12)], c.subject))
        })
        .collect();
    if !skipped.is_empty() {
        out.push_str(&format!("\nnot built:\n{}\n", skipped.join("\n")));
    }
    out
}

fn summary_table(out: &mut String, summary: &Summary) {
    let step_w = summary
        .steps
        .iter()
        .map(|s| first_line(&s.instruction, 40).chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    out.push_str(&format!(
        "{:>4}  {:<step_w$}  {:>9}  {:>4}  TOP CAUSES\n",
        "LINE", "STEP", "RE-RUNS", "RATE"
    ));
    for s in &summary.steps {
        let rate = if s.builds == 0 {
            "-".to_string()
        } else {
            format!("{:.0}%", 100.0 * s.rebuilds as f64 / s.builds as f64)
        };
        let mut causes: Vec<String> = s
            .causes
            .iter()
            .take(3)
            .map(|c| format!("{} ({})", c.cause, c.count))
            .collect();
        if s.maybe > 0 {
            causes.insert(0, format!("+{} maybe", s.maybe));
        }
        out.push_str(&format!(
            "{:>4}  {:<step_w$}  {:>9}  {:>4}  {}\n",
            s.line,
            first_line(&s.instruction, 40),
            format!("{} of {}", s.rebuilds, s.builds),
            rate,
            causes.join(", ")
        ));
    }
}
