//! `berth context ls` and `berth context hash`.

use std::io::{self, Write};
use std::path::PathBuf;

use berth_context::{Context, Rescan, Reuse, State, StateError};

use super::{CmdResult, EngineProfile};
use crate::progress::{Progress, Unit};
use crate::EXIT_OK;

/// Subcommands of `berth context`.
#[derive(clap::Subcommand)]
pub enum ContextCommand {
    /// List the files and symlinks `COPY . /` would include, one path per line, sorted.
    Ls(LsArgs),
    /// Content digest of the context, as BuildKit hashes it.
    Hash(HashArgs),
}

/// Options shared by the context commands.
#[derive(clap::Args)]
pub struct ContextArgs {
    /// The build context directory.
    context: PathBuf,
    /// The Dockerfile (default CONTEXT/Dockerfile); `<file>.dockerignore` beside it
    /// replaces CONTEXT/.dockerignore.
    #[arg(short = 'f', long = "file")]
    file: Option<PathBuf>,
    /// The engine to reproduce where engines differ (`.dockerignore` matching, which
    /// special files COPY creates). `--ignore-semantics` is the earlier name.
    #[arg(
        long,
        value_enum,
        default_value = "buildkit",
        alias = "ignore-semantics"
    )]
    engine: EngineProfile,
}

impl ContextArgs {
    fn open(&self) -> Result<Context, berth_context::ContextError> {
        Context::open(&self.context, self.file.as_deref(), self.engine.into())
    }
}

/// Arguments of `berth context ls`.
#[derive(clap::Args)]
pub struct LsArgs {
    #[command(flatten)]
    context: ContextArgs,
    /// Separate paths with NUL instead of newline (for names holding a newline).
    #[arg(short = 'z', long = "null")]
    null: bool,
}

/// Output format of `berth context hash`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum HashFormat {
    /// `sha256:...` on one line.
    Text,
    /// `{"digest", "files", "bytes"}`.
    Json,
}

/// Arguments of `berth context hash`.
#[derive(clap::Args)]
pub struct HashArgs {
    #[command(flatten)]
    context: ContextArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: HashFormat,
    /// A state file to use and update: files whose stat fingerprint (size, mtime,
    /// ctime, inode, mode) is unchanged since it was written are not read again.
    #[arg(long)]
    state: Option<PathBuf>,
}

pub fn run(command: ContextCommand) -> CmdResult {
    match command {
        ContextCommand::Ls(args) => ls(args),
        ContextCommand::Hash(args) => hash(args),
    }
}

fn ls(args: LsArgs) -> CmdResult {
    let entries = args.context.open()?.list()?;
    let sep = if args.null { b'\0' } else { b'\n' };
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut written = || -> io::Result<()> {
        for entry in &entries {
            out.write_all(&entry.path)?;
            out.write_all(&[sep])?;
        }
        out.flush()
    };
    match written() {
        // A closed pipe (`| head`) is not an error.
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(EXIT_OK),
    }
}

/// The kind of berth-context state `berth context hash --state` keeps.
const STATE_KIND: &str = "context";

fn hash(args: HashArgs) -> CmdResult {
    let context = args.context.open()?;
    let previous = match &args.state {
        Some(path) => match State::load(path, STATE_KIND) {
            Ok(state) => Some(state.snapshot),
            Err(StateError::Missing { .. }) => None,
            Err(err) => {
                eprintln!("berth: warning: {err}; hashing every file");
                None
            }
        },
        None => None,
    };
    let progress = Progress::new("hashing", Unit::Bytes);
    let report = |done: u64, total: u64| progress.set(done, total);
    let reuse = previous.as_ref().map_or(Reuse::Nothing, Reuse::Digests);
    let rescan = context.rescan(reuse, Some(&report))?;
    progress.finish();
    // An unchanged context is the recorded snapshot; a changed one is written back.
    let snapshot = match (rescan, previous) {
        (Rescan::Unchanged, Some(previous)) => previous,
        // Not reached: without an earlier snapshot a rescan reports a change.
        (Rescan::Unchanged, None) => context.snapshot(None, None)?.0,
        (Rescan::Changed(snapshot, _), _) => match &args.state {
            Some(path) => {
                let state = State {
                    kind: STATE_KIND.into(),
                    payload: Vec::new(),
                    snapshot,
                };
                state.save(path)?;
                state.snapshot
            }
            None => snapshot,
        },
    };
    let files = snapshot.file_count();
    let bytes = snapshot.file_bytes();
    let digest = snapshot.root_digest().to_string();
    match args.format {
        HashFormat::Text => println!("{digest}"),
        HashFormat::Json => {
            println!("{{\"digest\":\"{digest}\",\"files\":{files},\"bytes\":{bytes}}}")
        }
    }
    Ok(EXIT_OK)
}
