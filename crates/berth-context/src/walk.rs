//! A build context on disk: walking it the way the client sends it, and digesting it.
//!
//! [`walkdir`] lists the directories (siblings sorted by name, which is BuildKit's key
//! order), `.dockerignore` deciding on the way which to enter; then every entry's
//! metadata is read (`lstat`, in parallel with rayon), and file contents only where a
//! digest is needed (in parallel, largest first). Symlinks are recorded, never followed,
//! so loops are harmless. Sockets are sent as empty regular files; named pipes and
//! devices keep their type.

use std::fs;
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::digest::{file_record, Digest, EntryKind};
use crate::engine::Engine;
use crate::filter::{IgnoreFilter, Verdict};
use crate::pattern::{parse_dockerignore, Matcher, PatternError};
use crate::scan::{self, Contents, HashStats, Progress, Rescan, Reuse};
use crate::snapshot::{Entry, RootHeader, Snapshot, Stamp, Tree};

/// Why the context could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// A file or directory could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A `.dockerignore` pattern BuildKit rejects (the build would fail).
    #[error("{}:{line}: {source}", file.display())]
    Pattern {
        /// The ignore file.
        file: PathBuf,
        /// 1-based line of the pattern (0 when unknown).
        line: usize,
        /// What is wrong with it.
        source: PatternError,
    },
}

fn io_err(path: &Path, source: io::Error) -> ContextError {
    ContextError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A build context on disk with its `.dockerignore` rules.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("app.py"), "print(1)\n").unwrap();
/// std::fs::write(dir.path().join("notes.md"), "x").unwrap();
/// std::fs::write(dir.path().join(".dockerignore"), "*.md\n").unwrap();
/// let ctx = berth_context::Context::open(dir.path(), None, Default::default()).unwrap();
/// let names: Vec<_> = ctx.list().unwrap().iter().map(|e| e.path_lossy().into_owned()).collect();
/// assert_eq!(names, [".dockerignore", "app.py"]);
/// ```
#[derive(Debug)]
pub struct Context {
    root: PathBuf,
    matcher: Matcher,
    ignore_file: Option<PathBuf>,
    engine: Engine,
}

impl Context {
    /// Open `root` as a build context built with `dockerfile` (default `root/Dockerfile`)
    /// by `engine`: `<dockerfile>.dockerignore` is used when it exists, instead of
    /// `root/.dockerignore`.
    pub fn open(
        root: &Path,
        dockerfile: Option<&Path>,
        engine: Engine,
    ) -> Result<Context, ContextError> {
        let meta = fs::metadata(root).map_err(|e| io_err(root, e))?;
        if !meta.is_dir() {
            return Err(io_err(root, io::Error::other("not a directory")));
        }
        let dockerfile = dockerfile.map_or_else(|| root.join("Dockerfile"), Path::to_path_buf);
        let mut specific = dockerfile.into_os_string();
        specific.push(".dockerignore");
        let candidates = [PathBuf::from(specific), root.join(".dockerignore")];
        let mut context = Context {
            root: root.to_path_buf(),
            matcher: Matcher::for_engine(Vec::<Vec<u8>>::new(), engine).unwrap_or_default(),
            ignore_file: None,
            engine,
        };
        for candidate in candidates {
            match fs::read(&candidate) {
                Ok(bytes) => {
                    context.matcher = dockerignore_matcher(&candidate, &bytes, engine)?;
                    context.ignore_file = Some(candidate);
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err(&candidate, e)),
            }
        }
        Ok(context)
    }

    /// The context directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The ignore file in use, if any.
    pub fn ignore_file(&self) -> Option<&Path> {
        self.ignore_file.as_deref()
    }

    /// The compiled ignore rules.
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// The engine profile the context is read for.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Every entry the client would send, metadata only, in BuildKit key order (root
    /// first, each directory followed by its subtree). Regular files carry a stat
    /// [`Stamp`]; no file is read.
    pub fn tree(&self) -> Result<Tree, ContextError> {
        use rayon::prelude::*;
        let found = self.enumerate(0)?;
        let entries = found
            .par_iter()
            .map(|f| self.stat(f))
            .collect::<Result<Vec<Entry>, ContextError>>()?;
        Ok(Tree::from_sorted(entries))
    }

    /// The paths the client would send, in key order: a [`walkdir`] walk (siblings
    /// sorted by name, which is key order) that reads directories only, `.dockerignore`
    /// applied on the way and excluded directories not entered. The root comes first,
    /// as the empty path.
    fn enumerate(&self, capacity: usize) -> Result<Vec<Box<[u8]>>, ContextError> {
        // Siblings by name, compared as bytes (what `sort_by_file_name` does, without
        // parsing the path into components for every comparison).
        fn name(entry: &walkdir::DirEntry) -> &[u8] {
            let path = entry.path().as_os_str().as_bytes();
            path.iter()
                .rposition(|&b| b == b'/')
                .map_or(path, |i| &path[i + 1..])
        }
        let mut walker = walkdir::WalkDir::new(&self.root)
            .follow_links(false)
            .sort_by(|a, b| name(a).cmp(name(b)))
            .into_iter();
        let mut filter = IgnoreFilter::new(&self.matcher);
        let mut out: Vec<Box<[u8]>> = Vec::with_capacity(capacity);
        let root_len = self.root.as_os_str().len();
        while let Some(item) = walker.next() {
            let item = item.map_err(|e| self.walk_error(e))?;
            // The file type comes from the directory listing (no stat).
            let dir = item.file_type().is_dir();
            if item.depth() == 0 {
                out.push(Box::default());
                continue;
            }
            // Below the root, walkdir's paths are the root's (as given, so with or without
            // a final `/`), then the relative path.
            let path = item.path().as_os_str().as_bytes();
            let rel = path.get(root_len..).unwrap_or_default();
            let rel = rel.strip_prefix(b"/").unwrap_or(rel);
            let verdict = filter
                .visit(rel, item.depth(), dir, rel.into(), &mut out)
                .map_err(|source| self.pattern_error(source))?;
            if dir && verdict == Verdict::Skip {
                walker.skip_current_dir();
            }
        }
        Ok(out)
    }

    /// The entry of a found path: its metadata (`lstat`) and, for a symlink, its target.
    fn stat(&self, path: &[u8]) -> Result<Entry, ContextError> {
        let abs = self.abs(path);
        let meta = fs::symlink_metadata(&abs).map_err(|e| io_err(&abs, e))?;
        let target = if meta.file_type().is_symlink() {
            let target = fs::read_link(&abs).map_err(|e| io_err(&abs, e))?;
            Some(target.into_os_string().into_vec())
        } else {
            None
        };
        Ok(entry_from(path, &meta, target.as_deref()))
    }

    fn walk_error(&self, err: walkdir::Error) -> ContextError {
        let path = err.path().unwrap_or(&self.root).to_path_buf();
        let source = err
            .into_io_error()
            .unwrap_or_else(|| io::Error::other("filesystem loop"));
        ContextError::Io { path, source }
    }

    fn pattern_error(&self, source: PatternError) -> ContextError {
        let file = self.ignore_file.clone().unwrap_or_default();
        let line = match (&source, fs::read(&file)) {
            (PatternError::BadPattern { pattern }, Ok(bytes)) => parse_dockerignore(&bytes)
                .into_iter()
                .find(|(_, p)| String::from_utf8_lossy(p).trim_start_matches('!') == pattern)
                .map_or(0, |(line, _)| line),
            _ => 0,
        };
        ContextError::Pattern { file, line, source }
    }

    /// What `COPY . /` creates besides directories, sorted by path (byte order): files,
    /// symlinks, devices, and named pipes where the engine copies them. Each regular file
    /// is opened once, so an unreadable one is reported as the client would.
    pub fn list(&self) -> Result<Vec<Entry>, ContextError> {
        use rayon::prelude::*;
        let copies_fifos = self.engine.copies_fifos();
        let mut entries: Vec<Entry> = self
            .tree()?
            .into_entries()
            .into_iter()
            .filter(|e| e.kind != EntryKind::Dir && (copies_fifos || e.kind != EntryKind::Fifo))
            .collect();
        entries.par_iter().try_for_each(|e| {
            if e.kind == EntryKind::File {
                let abs = self.abs(&e.path);
                if let Err(err) = fs::File::open(&abs) {
                    if !is_socket(&abs) {
                        return Err(io_err(&abs, err));
                    }
                }
            }
            Ok::<(), ContextError>(())
        })?;
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(entries)
    }

    fn abs(&self, rel: &[u8]) -> PathBuf {
        self.root.join(std::ffi::OsStr::from_bytes(rel))
    }

    /// Walk and digest the context as a fresh build would hash it. Files whose stamp
    /// (size, mtime, ctime, inode, mode) is unchanged since `previous` reuse its digest;
    /// the others are read in parallel, largest first. `progress` is called with the
    /// bytes digested so far.
    pub fn snapshot(
        &self,
        previous: Option<&Snapshot>,
        progress: Option<Progress<'_>>,
    ) -> Result<(Snapshot, HashStats), ContextError> {
        let scanned_at = now_ns();
        let reuse = previous.map_or(Reuse::Nothing, Reuse::Digests);
        let (tree, stats) = scan::digest_files(self.tree()?, reuse, self, progress)?;
        let mut snapshot = Snapshot::from_tree(tree, RootHeader::Transfer);
        snapshot.scanned_at_ns = scanned_at;
        Ok((snapshot, stats))
    }

    /// The context as the engine sees it in its next build, after a build that sent
    /// `previous` (see [`Reuse::EngineView`]): [`Rescan::Unchanged`] when nothing the
    /// engine hashes changed.
    pub fn engine_view(
        &self,
        previous: &Snapshot,
        progress: Option<Progress<'_>>,
    ) -> Result<Rescan, ContextError> {
        self.rescan(Reuse::EngineView(previous), progress)
    }

    /// Walk and digest the context reusing an earlier snapshot of it, and say whether
    /// anything changed. The common case of an unchanged context costs one walk and
    /// reads only files whose stamp cannot vouch for them (modified since, or too close
    /// to, the earlier scan); no entry list is built then.
    pub fn rescan(
        &self,
        reuse: Reuse<'_>,
        progress: Option<Progress<'_>>,
    ) -> Result<Rescan, ContextError> {
        use rayon::prelude::*;
        let scanned_at = now_ns();
        let Some(previous) = reuse.previous() else {
            return scan::rescan_tree(
                self.tree()?,
                reuse,
                RootHeader::Transfer,
                self,
                scanned_at,
                progress,
            );
        };
        let found = self.enumerate(previous.entries().len())?;
        let old = previous.entries();
        let same_paths = previous.root_header() == RootHeader::Transfer
            && found.len() == old.len()
            && found.par_iter().zip(old).all(|(f, o)| *f == o.path);
        if !same_paths {
            return scan::rescan_tree(
                self.tree()?,
                reuse,
                RootHeader::Transfer,
                self,
                scanned_at,
                progress,
            );
        }
        // Entries that may differ from the earlier snapshot's, by index; files to re-read
        // are among them, and still count as unchanged if their digest is.
        let differing = found
            .par_iter()
            .zip(old)
            .enumerate()
            .skip(1)
            .map(|(i, (f, o))| {
                let entry = self.stat(f)?;
                Ok(scan::may_differ(&entry, o, reuse).then_some((i, entry)))
            })
            .filter_map(Result::transpose)
            .collect::<Result<Vec<(usize, Entry)>, ContextError>>()?;
        let unchanged = differing
            .par_iter()
            .map_init(
                || vec![0u8; 256 * 1024],
                |buf, (i, entry)| {
                    let o = &old[*i];
                    Ok(entry.kind == EntryKind::File
                        && o.kind == EntryKind::File
                        && entry.mode == o.mode
                        && entry.size == o.size
                        && self.record(entry, buf)? == o.digest)
                },
            )
            .try_reduce(|| true, |a, b| Ok(a && b))?;
        if unchanged {
            return Ok(Rescan::Unchanged);
        }
        // Something changed: the entries that did not are the earlier ones.
        let mut entries: Vec<Entry> = old.to_vec();
        for (i, entry) in differing {
            entries[i] = entry;
        }
        for entry in &mut entries {
            entry.contents = None;
        }
        scan::rescan_tree(
            Tree::from_sorted(entries),
            reuse,
            RootHeader::Transfer,
            self,
            scanned_at,
            progress,
        )
    }
}

impl Contents for Context {
    fn record(&self, entry: &Entry, buf: &mut [u8]) -> Result<Digest, ContextError> {
        let abs = self.abs(&entry.path);
        match fs::File::open(&abs) {
            Ok(file) => file_record(&entry.header(), file, buf).map_err(|e| io_err(&abs, e)),
            // A socket cannot be opened; it is sent as an empty file.
            Err(_) if is_socket(&abs) => {
                file_record(&entry.header(), io::empty(), buf).map_err(|e| io_err(&abs, e))
            }
            Err(e) => Err(io_err(&abs, e)),
        }
    }
}

/// Nanoseconds since the epoch, now.
fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

fn is_socket(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

/// The matcher of a `.dockerignore` file's text, as `engine` reads it (`file` names it in
/// errors, with the line of the first pattern the engine rejects): the one way every
/// source of a context (a directory, a git tree) compiles its ignore file.
pub fn dockerignore_matcher(
    file: &Path,
    bytes: &[u8],
    engine: Engine,
) -> Result<Matcher, ContextError> {
    let patterns = parse_dockerignore(bytes);
    Matcher::for_engine(patterns.iter().map(|(_, p)| p), engine).map_err(|source| {
        // Find the line: compile the patterns one by one.
        let line = patterns
            .iter()
            .find(|(_, p)| Matcher::for_engine([p], engine).is_err())
            .map_or(0, |(line, _)| *line);
        ContextError::Pattern {
            file: file.to_path_buf(),
            line,
            source,
        }
    })
}

fn entry_from(path: &[u8], meta: &fs::Metadata, target: Option<&[u8]>) -> Entry {
    let ft = meta.file_type();
    let kind = if ft.is_dir() {
        EntryKind::Dir
    } else if ft.is_symlink() {
        EntryKind::Symlink
    } else if ft.is_char_device() {
        EntryKind::CharDevice
    } else if ft.is_block_device() {
        EntryKind::BlockDevice
    } else if ft.is_fifo() {
        EntryKind::Fifo
    } else {
        // Regular files, and sockets: BuildKit clears the socket bit and sends them as
        // empty files.
        EntryKind::File
    };
    let dev = if matches!(kind, EntryKind::CharDevice | EntryKind::BlockDevice) {
        let rdev = meta.rdev();
        (major(rdev), minor(rdev))
    } else {
        (0, 0)
    };
    let mut entry = Entry::bare(path, kind, meta.mode() & 0o7777);
    if kind == EntryKind::File {
        entry.size = meta.len();
        entry.stamp = Stamp::Stat {
            mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
            ctime_ns: meta.ctime() * 1_000_000_000 + meta.ctime_nsec(),
            ino: meta.ino(),
        };
    }
    entry.dev = dev;
    entry.target = target.map(Into::into);
    entry
}

/// glibc's `gnu_dev_major` / `gnu_dev_minor` encoding.
fn major(dev: u64) -> u64 {
    ((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0x0000_0fff)
}

fn minor(dev: u64) -> u64 {
    ((dev >> 12) & 0xffff_ff00) | (dev & 0x0000_00ff)
}
