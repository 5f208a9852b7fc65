//! A build context on disk: walking it the way the client sends it, and digesting it.
//!
//! [`walkdir`] lists the directories (siblings sorted by name, which is BuildKit's key
//! order), `.dockerignore` deciding on the way which to enter; then every entry's
//! metadata is read (`lstat`, in parallel with rayon, each name looked up from its
//! directory's descriptor, see [`ParentDirs`]), and file contents only where a digest is
//! needed (in parallel, largest first). Symlinks are recorded, never followed,
//! so loops are harmless. Sockets are sent as empty regular files; named pipes and
//! devices keep their type.

use std::fs;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, StatxFlags};

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
            .map_init(ParentDirs::default, |dirs, f| self.stat_in(dirs, f))
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
    /// The name is looked up from its directory's descriptor in `dirs`: resolving the
    /// whole path from the root again for each of 100,000 entries was most of a re-scan's
    /// time (the kernel's path walk). Whatever that fast path cannot do (a directory
    /// that cannot be opened, a kernel without `statx`) is done by path, which also
    /// reports any error exactly as before.
    fn stat_in(&self, dirs: &mut ParentDirs, path: &[u8]) -> Result<Entry, ContextError> {
        match self.stat_at(dirs, path) {
            Ok(entry) => Ok(entry),
            Err(_) => self.stat(path),
        }
    }

    fn stat_at(&self, dirs: &mut ParentDirs, path: &[u8]) -> io::Result<Entry> {
        let (parent, name) = match path.iter().rposition(|&b| b == b'/') {
            Some(slash) => (&path[..slash], &path[slash + 1..]),
            None if path.is_empty() => return Err(io::ErrorKind::Unsupported.into()),
            None => (&b""[..], path),
        };
        let dir = dirs.open(&self.root, parent)?;
        let stat = rustix::fs::statx(
            dir,
            name,
            AtFlags::SYMLINK_NOFOLLOW,
            StatxFlags::BASIC_STATS,
        )?;
        let meta = Meta::from_statx(&stat);
        let target = if meta.file_type == FileType::Symlink {
            Some(rustix::fs::readlinkat(dir, name, Vec::new())?.into_bytes())
        } else {
            None
        };
        Ok(entry_from(path, &meta, target.as_deref()))
    }

    /// The entry of a found path, looked up from the root (`lstat` by path).
    fn stat(&self, path: &[u8]) -> Result<Entry, ContextError> {
        let abs = self.abs(path);
        let meta = fs::symlink_metadata(&abs).map_err(|e| io_err(&abs, e))?;
        let target = if meta.file_type().is_symlink() {
            let target = fs::read_link(&abs).map_err(|e| io_err(&abs, e))?;
            Some(target.into_os_string().into_vec())
        } else {
            None
        };
        Ok(entry_from(
            path,
            &Meta::from_metadata(&meta),
            target.as_deref(),
        ))
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
            .map_init(ParentDirs::default, |dirs, (i, (f, o))| {
                let entry = self.stat_in(dirs, f)?;
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

/// The directories a parallel stat task looks names up in: the chain of open
/// descriptors from the context root down to the directory of the last entry. Entries
/// come in key order, so consecutive ones mostly share a directory or sit just below or
/// above it: each directory is opened once per task, by one name from its parent
/// (`O_PATH`, so no read permission is needed, as for `lstat` by path).
#[derive(Default)]
struct ParentDirs {
    /// Relative path and descriptor of each open directory, the root (empty path) first,
    /// each one inside the one before.
    chain: Vec<(Box<[u8]>, OwnedFd)>,
}

impl ParentDirs {
    /// The descriptor of the directory `parent` (relative to `root`), opening what the
    /// chain lacks.
    fn open(&mut self, root: &Path, parent: &[u8]) -> io::Result<&OwnedFd> {
        /// Open directories per task at most (the process's descriptors are limited).
        const MAX_DEPTH: usize = 128;
        const FLAGS: OFlags = OFlags::PATH
            .union(OFlags::DIRECTORY)
            .union(OFlags::NOFOLLOW)
            .union(OFlags::CLOEXEC);
        let holds = |dir: &[u8]| {
            dir.is_empty()
                || parent == dir
                || (parent.starts_with(dir) && parent.get(dir.len()) == Some(&b'/'))
        };
        while self.chain.last().is_some_and(|(dir, _)| !holds(dir)) {
            self.chain.pop();
        }
        if self.chain.is_empty() {
            let fd = rustix::fs::open(root, FLAGS.difference(OFlags::NOFOLLOW), Mode::empty())?;
            self.chain.push((Box::default(), fd));
        }
        loop {
            let (dir, fd) = self.chain.last().ok_or(io::ErrorKind::NotFound)?;
            if **dir == *parent {
                break;
            }
            // The next component of `parent` below `dir`.
            let start = if dir.is_empty() { 0 } else { dir.len() + 1 };
            let end = parent[start..]
                .iter()
                .position(|&b| b == b'/')
                .map_or(parent.len(), |i| start + i);
            if self.chain.len() >= MAX_DEPTH {
                // Deeper than any real context: stat by path rather than hold more
                // descriptors.
                return Err(io::ErrorKind::Unsupported.into());
            }
            let child = rustix::fs::openat(fd, &parent[start..end], FLAGS, Mode::empty())?;
            self.chain.push((parent[..end].into(), child));
        }
        self.chain
            .last()
            .map(|(_, fd)| fd)
            .ok_or_else(|| io::ErrorKind::NotFound.into())
    }
}

/// What an entry takes from `lstat`, from either way of reading it.
struct Meta {
    file_type: FileType,
    /// `st_mode` (type and permission bits).
    mode: u32,
    size: u64,
    mtime_ns: i64,
    ctime_ns: i64,
    ino: u64,
    /// Device major and minor numbers.
    rdev: (u64, u64),
}

impl Meta {
    fn from_metadata(meta: &fs::Metadata) -> Meta {
        let ft = meta.file_type();
        let file_type = if ft.is_dir() {
            FileType::Directory
        } else if ft.is_symlink() {
            FileType::Symlink
        } else if ft.is_char_device() {
            FileType::CharacterDevice
        } else if ft.is_block_device() {
            FileType::BlockDevice
        } else if ft.is_fifo() {
            FileType::Fifo
        } else if ft.is_socket() {
            FileType::Socket
        } else {
            FileType::RegularFile
        };
        let rdev = meta.rdev();
        Meta {
            file_type,
            mode: meta.mode(),
            size: meta.len(),
            mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
            ctime_ns: meta.ctime() * 1_000_000_000 + meta.ctime_nsec(),
            ino: meta.ino(),
            rdev: (major(rdev), minor(rdev)),
        }
    }

    fn from_statx(stat: &rustix::fs::Statx) -> Meta {
        let mode = u32::from(stat.stx_mode);
        let ns = |t: &rustix::fs::StatxTimestamp| t.tv_sec * 1_000_000_000 + i64::from(t.tv_nsec);
        Meta {
            file_type: FileType::from_raw_mode(mode),
            mode,
            size: stat.stx_size,
            mtime_ns: ns(&stat.stx_mtime),
            ctime_ns: ns(&stat.stx_ctime),
            ino: stat.stx_ino,
            rdev: (
                u64::from(stat.stx_rdev_major),
                u64::from(stat.stx_rdev_minor),
            ),
        }
    }
}

fn entry_from(path: &[u8], meta: &Meta, target: Option<&[u8]>) -> Entry {
    let kind = match meta.file_type {
        FileType::Directory => EntryKind::Dir,
        FileType::Symlink => EntryKind::Symlink,
        FileType::CharacterDevice => EntryKind::CharDevice,
        FileType::BlockDevice => EntryKind::BlockDevice,
        FileType::Fifo => EntryKind::Fifo,
        // Regular files, and sockets: BuildKit clears the socket bit and sends them as
        // empty files.
        _ => EntryKind::File,
    };
    let dev = if matches!(kind, EntryKind::CharDevice | EntryKind::BlockDevice) {
        meta.rdev
    } else {
        (0, 0)
    };
    let mut entry = Entry::bare(path, kind, meta.mode & 0o7777);
    if kind == EntryKind::File {
        entry.size = meta.size;
        entry.stamp = Stamp::Stat {
            mtime_ns: meta.mtime_ns,
            ctime_ns: meta.ctime_ns,
            ino: meta.ino,
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

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    /// The descriptor-relative stat and the stat by path read every kind of entry the
    /// same way, in whatever order a parallel task meets them.
    #[test]
    fn stat_from_the_directory_matches_stat_by_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for sub in ["a/b/c", "a/d", "e"] {
            fs::create_dir_all(root.join(sub)).unwrap();
        }
        for (file, text) in [("a/b/c/f", "1"), ("a/g", "22"), ("e/h", ""), ("top", "333")] {
            fs::write(root.join(file), text).unwrap();
        }
        std::os::unix::fs::symlink("../top", root.join("a/d/link")).unwrap();
        std::os::unix::fs::symlink("missing", root.join("dangling")).unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            root.join("e/pipe"),
            FileType::Fifo,
            Mode::from_raw_mode(0o640),
            0,
        )
        .unwrap();
        let _socket = std::os::unix::net::UnixListener::bind(root.join("a/sock")).unwrap();
        let context = Context::open(root, None, Engine::default()).unwrap();
        let found = context.enumerate(0).unwrap();
        let by_path: Vec<Entry> = found.iter().map(|f| context.stat(f).unwrap()).collect();
        let mut dirs = ParentDirs::default();
        let forward: Vec<Entry> = found
            .iter()
            .map(|f| context.stat_in(&mut dirs, f).unwrap())
            .collect();
        let backward: Vec<Entry> = found
            .iter()
            .rev()
            .map(|f| context.stat_in(&mut dirs, f).unwrap())
            .collect();
        let parallel: Vec<Entry> = found
            .par_iter()
            .map_init(ParentDirs::default, |dirs, f| {
                context.stat_in(dirs, f).unwrap()
            })
            .collect();
        assert_eq!(by_path.len(), 14);
        assert_eq!(forward, by_path);
        assert_eq!(backward.into_iter().rev().collect::<Vec<_>>(), by_path);
        assert_eq!(parallel, by_path);
        // The fast path answered them (only the root is read by path).
        let mut dirs = ParentDirs::default();
        for f in found.iter().skip(1) {
            assert!(context.stat_at(&mut dirs, f).is_ok(), "{f:?}");
        }
        // A name that went away is reported as before, by path.
        let err = context.stat_in(&mut dirs, b"a/gone").unwrap_err();
        assert!(err.to_string().contains("a/gone"), "{err}");
    }
}
