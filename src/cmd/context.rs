//! `berth context ls` and `berth context hash`.

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use berth_context::{Context, EntryKind, Semantics, StatCache};

use super::CmdResult;
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

/// Which `.dockerignore` implementation to reproduce.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum IgnoreSemantics {
    /// Current BuildKit (moby/patternmatcher).
    Buildkit,
    /// The Docker 20.10 client's `fileutils` (what a 20.10 engine's `docker build` sends).
    Docker20,
}

impl From<IgnoreSemantics> for Semantics {
    fn from(s: IgnoreSemantics) -> Semantics {
        match s {
            IgnoreSemantics::Buildkit => Semantics::BuildKit,
            IgnoreSemantics::Docker20 => Semantics::Docker20,
        }
    }
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
    /// `.dockerignore` semantics to reproduce.
    #[arg(long, value_enum, default_value = "buildkit")]
    ignore_semantics: IgnoreSemantics,
}

impl ContextArgs {
    fn open(&self) -> Result<Context, berth_context::ContextError> {
        Context::open(
            &self.context,
            self.file.as_deref(),
            self.ignore_semantics.into(),
        )
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
    /// A stat cache to use and update: unchanged files (size, mtime, inode, mode) are
    /// not read again.
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

fn hash(args: HashArgs) -> CmdResult {
    let context = args.context.open()?;
    let cache = match &args.state {
        Some(path) => match StatCache::load(path) {
            Ok(cache) => cache,
            Err(err) => {
                eprintln!("berth: warning: {err}");
                None
            }
        },
        None => None,
    };
    let scan_started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64);
    let progress = Progress::new("hashing", Unit::Bytes);
    let report = |done: u64, total: u64| progress.set(done, total);
    let (snapshot, stats) = context.snapshot_with_stats(cache.as_ref(), Some(&report))?;
    progress.finish();
    if let Some(path) = &args.state {
        // Rewrite the state only when it would say something new.
        let files = snapshot
            .entries()
            .iter()
            .filter(|e| e.kind == EntryKind::File)
            .count();
        let unchanged = cache
            .as_ref()
            .is_some_and(|c| stats.hashed_files == 0 && c.len() == files);
        if !unchanged {
            StatCache::from_snapshot(&snapshot, scan_started).save(path)?;
        }
    }
    let files = snapshot.files().count();
    let bytes: u64 = snapshot
        .entries()
        .iter()
        .filter(|e| e.kind == EntryKind::File)
        .map(|e| e.size)
        .sum();
    let digest = snapshot.root_digest().to_string();
    match args.format {
        HashFormat::Text => println!("{digest}"),
        HashFormat::Json => {
            println!("{{\"digest\":\"{digest}\",\"files\":{files},\"bytes\":{bytes}}}")
        }
    }
    Ok(EXIT_OK)
}
