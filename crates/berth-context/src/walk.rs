//! Walking a build context the way the client sends it, and hashing it.
//!
//! Directories are read in parallel (rayon, one task per directory) with `lstat` only;
//! symlinks are recorded, never followed, so loops are harmless. Named pipes are skipped
//! (the engine does not send them); sockets are sent as empty regular files; devices
//! keep their type.

use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::digest::{file_record, Digest, EntryKind};
use crate::pattern::{parse_dockerignore, MatchInfo, Matcher, PatternError, Semantics};
use crate::snapshot::{key_cmp, Entry, RootHeader, Snapshot};
use crate::statcache::StatCache;

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
}

impl Context {
    /// Open `root` as a build context built with `dockerfile` (default `root/Dockerfile`):
    /// `<dockerfile>.dockerignore` is used when it exists, instead of `root/.dockerignore`.
    pub fn open(
        root: &Path,
        dockerfile: Option<&Path>,
        semantics: Semantics,
    ) -> Result<Context, ContextError> {
        let meta = fs::metadata(root).map_err(|e| io_err(root, e))?;
        if !meta.is_dir() {
            return Err(io_err(root, io::Error::other("not a directory")));
        }
        let dockerfile = dockerfile.map_or_else(|| root.join("Dockerfile"), Path::to_path_buf);
        let mut specific = dockerfile.into_os_string();
        specific.push(".dockerignore");
        let candidates = [PathBuf::from(specific), root.join(".dockerignore")];
        let mut ignore_file = None;
        let mut matcher =
            Matcher::with_semantics(Vec::<Vec<u8>>::new(), semantics).map_err(|source| {
                ContextError::Pattern {
                    file: root.join(".dockerignore"),
                    line: 0,
                    source,
                }
            })?;
        for candidate in candidates {
            match fs::read(&candidate) {
                Ok(bytes) => {
                    matcher = compile_ignore(&candidate, &bytes, semantics)?;
                    ignore_file = Some(candidate);
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err(&candidate, e)),
            }
        }
        Ok(Context {
            root: root.to_path_buf(),
            matcher,
            ignore_file,
        })
    }

    /// The ignore file in use, if any.
    pub fn ignore_file(&self) -> Option<&Path> {
        self.ignore_file.as_deref()
    }

    /// The compiled ignore rules.
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// Every entry the client would send, metadata only, in BuildKit key order (root
    /// first, each directory followed by its subtree).
    pub fn walk(&self) -> Result<Vec<Entry>, ContextError> {
        let meta = fs::symlink_metadata(&self.root).map_err(|e| io_err(&self.root, e))?;
        let chunks = self.walk_dir(&self.root, b"", &MatchInfo::default())?;
        let mut out = Vec::with_capacity(1 + chunks.iter().map(Vec::len).sum::<usize>());
        out.push(entry_from(b"", &meta, None));
        for chunk in chunks {
            out.extend(chunk);
        }
        Ok(out)
    }

    /// The entries below `dir`, in BuildKit key order: siblings sorted by name, each
    /// directory followed by its own subtree (so no global sort is needed).
    /// The result is a list of chunks whose concatenation is the subtree: moving chunk
    /// vectors up the tree instead of their entries saves copying every entry once per
    /// level.
    fn walk_dir(
        &self,
        dir: &Path,
        rel: &[u8],
        info: &MatchInfo,
    ) -> Result<Vec<Vec<Entry>>, ContextError> {
        enum Child {
            Leaf(Entry),
            Dir(PathBuf, MatchInfo, bool, fs::Metadata),
        }
        let reader = fs::read_dir(dir).map_err(|e| io_err(dir, e))?;
        let mut children: Vec<(Vec<u8>, Child)> = Vec::new();
        for item in reader {
            let item = item.map_err(|e| io_err(dir, e))?;
            let name = item.file_name();
            let mut child = Vec::with_capacity(rel.len() + 1 + name.len());
            if !rel.is_empty() {
                child.extend_from_slice(rel);
                child.push(b'/');
            }
            child.extend_from_slice(name.as_bytes());
            let meta = item.metadata().map_err(|e| io_err(&item.path(), e))?;
            let ft = meta.file_type();
            if ft.is_fifo() {
                continue;
            }
            if ft.is_dir() {
                let (excluded, child_info) = self
                    .matcher
                    .is_excluded_in(&child, info)
                    .map_err(|source| self.pattern_error(source))?;
                if excluded && !self.matcher.may_reinclude_below(&child) {
                    continue;
                }
                children.push((child, Child::Dir(item.path(), child_info, excluded, meta)));
                continue;
            }
            let excluded = self
                .matcher
                .is_excluded_leaf(&child, info)
                .map_err(|source| self.pattern_error(source))?;
            if excluded {
                continue;
            }
            let target = if ft.is_symlink() {
                let abs = item.path();
                Some(fs::read_link(&abs).map_err(|e| io_err(&abs, e))?)
            } else {
                None
            };
            let entry = entry_from(&child, &meta, target.as_deref());
            children.push((child, Child::Leaf(entry)));
        }
        // Siblings share the prefix, so plain byte order of the paths is key order.
        children.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let subtrees: Vec<Result<Vec<Vec<Entry>>, ContextError>> = children
            .par_iter()
            .map(|(child, kind)| match kind {
                Child::Leaf(_) => Ok(Vec::new()),
                Child::Dir(abs, child_info, excluded, meta) => {
                    let below = self.walk_dir(abs, child, child_info)?;
                    // An excluded directory walked for possible exceptions is only sent
                    // when something inside it was re-included.
                    if *excluded && below.iter().all(Vec::is_empty) {
                        return Ok(Vec::new());
                    }
                    let mut chunks = Vec::with_capacity(below.len() + 1);
                    chunks.push(vec![entry_from(child, meta, None)]);
                    chunks.extend(below);
                    Ok(chunks)
                }
            })
            .collect();
        let mut out = Vec::new();
        let mut current = Vec::new();
        for ((_, kind), subtree) in children.into_iter().zip(subtrees) {
            match kind {
                Child::Leaf(entry) => current.push(entry),
                Child::Dir(..) => {
                    let subtree = subtree?;
                    if !subtree.is_empty() {
                        if !current.is_empty() {
                            out.push(std::mem::take(&mut current));
                        }
                        out.extend(subtree);
                    }
                }
            }
        }
        if !current.is_empty() {
            out.push(current);
        }
        Ok(out)
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

    /// The files and symlinks `COPY . /` would create, sorted by path (byte order); each
    /// regular file is opened once so an unreadable one is reported as the client would.
    pub fn list(&self) -> Result<Vec<Entry>, ContextError> {
        let mut entries: Vec<Entry> = self
            .walk()?
            .into_iter()
            .filter(|e| e.kind != EntryKind::Dir)
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

    /// Walk and hash the context. Files whose (size, mtime, inode, mode) match `cache`
    /// reuse its digest; the others are read and hashed in parallel, largest first.
    /// `progress` is called with the bytes hashed so far.
    pub fn snapshot(
        &self,
        cache: Option<&StatCache>,
        progress: Option<&(dyn Fn(u64, u64) + Sync)>,
    ) -> Result<Snapshot, ContextError> {
        self.snapshot_with_stats(cache, progress).map(|(s, _)| s)
    }

    /// [`Context::snapshot`], also saying how many files were read.
    pub fn snapshot_with_stats(
        &self,
        cache: Option<&StatCache>,
        progress: Option<&(dyn Fn(u64, u64) + Sync)>,
    ) -> Result<(Snapshot, HashStats), ContextError> {
        let mut entries = self.walk()?;
        debug_assert!(entries
            .windows(2)
            .all(|w| key_cmp(&w[0].path, &w[1].path).is_lt()));
        let mut todo: Vec<usize> = Vec::new();
        let mut total = 0u64;
        let mut cursor = 0;
        for (i, entry) in entries.iter_mut().enumerate() {
            if entry.kind != EntryKind::File {
                continue;
            }
            match cache.and_then(|c| c.lookup_sorted(entry, &mut cursor)) {
                Some(digest) => entry.digest = digest,
                None => {
                    total += entry.size;
                    todo.push(i);
                }
            }
        }
        todo.sort_by_key(|&i| std::cmp::Reverse(entries[i].size));
        let done = AtomicU64::new(0);
        let digests: Vec<(usize, Digest)> = todo
            .par_iter()
            .map_init(
                || vec![0u8; 256 * 1024],
                |buf, &i| {
                    let entry = &entries[i];
                    let abs = self.abs(&entry.path);
                    let digest = match fs::File::open(&abs) {
                        Ok(file) => {
                            file_record(&entry.header(), file, buf).map_err(|e| io_err(&abs, e))?
                        }
                        // A socket cannot be opened; it is sent as an empty file.
                        Err(_) if is_socket(&abs) => file_record(&entry.header(), io::empty(), buf)
                            .map_err(|e| io_err(&abs, e))?,
                        Err(e) => return Err(io_err(&abs, e)),
                    };
                    if let Some(report) = progress {
                        let so_far = done.fetch_add(entry.size, Ordering::Relaxed) + entry.size;
                        report(so_far, total);
                    }
                    Ok((i, digest))
                },
            )
            .collect::<Result<_, ContextError>>()?;
        let stats = HashStats {
            hashed_files: digests.len(),
            hashed_bytes: total,
        };
        for (i, digest) in digests {
            entries[i].digest = digest;
        }
        Ok((
            Snapshot::from_complete(entries, RootHeader::Transfer),
            stats,
        ))
    }
}

/// What a snapshot had to read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HashStats {
    /// Files read and hashed (not answered by the stat cache).
    pub hashed_files: usize,
    /// Their total size.
    pub hashed_bytes: u64,
}

fn is_socket(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

fn compile_ignore(
    file: &Path,
    bytes: &[u8],
    semantics: Semantics,
) -> Result<Matcher, ContextError> {
    let patterns = parse_dockerignore(bytes);
    Matcher::with_semantics(patterns.iter().map(|(_, p)| p), semantics).map_err(|source| {
        // Find the line: compile the patterns one by one.
        let line = patterns
            .iter()
            .find(|(_, p)| Matcher::with_semantics([p], semantics).is_err())
            .map_or(0, |(line, _)| *line);
        ContextError::Pattern {
            file: file.to_path_buf(),
            line,
            source,
        }
    })
}

fn entry_from(path: &[u8], meta: &fs::Metadata, target: Option<&Path>) -> Entry {
    let ft = meta.file_type();
    let kind = if ft.is_dir() {
        EntryKind::Dir
    } else if ft.is_symlink() {
        EntryKind::Symlink
    } else if ft.is_char_device() {
        EntryKind::CharDevice
    } else if ft.is_block_device() {
        EntryKind::BlockDevice
    } else {
        EntryKind::File
    };
    let dev = if matches!(kind, EntryKind::CharDevice | EntryKind::BlockDevice) {
        let rdev = meta.rdev();
        (major(rdev), minor(rdev))
    } else {
        (0, 0)
    };
    Entry {
        path: path.into(),
        kind,
        mode: meta.mode() & 0o7777,
        size: if kind == EntryKind::File {
            meta.len()
        } else {
            0
        },
        mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
        ino: meta.ino(),
        dev,
        target: target.map(|t| t.as_os_str().as_bytes().into()),
        digest: Digest::default(),
        contents: None,
    }
}

/// glibc's `gnu_dev_major` / `gnu_dev_minor` encoding.
fn major(dev: u64) -> u64 {
    ((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0x0000_0fff)
}

fn minor(dev: u64) -> u64 {
    ((dev >> 12) & 0xffff_ff00) | (dev & 0x0000_00ff)
}
