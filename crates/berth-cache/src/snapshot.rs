//! What the build context holds, as far as cache keys can see it: every path the build
//! would send (after `.dockerignore`), with a digest of exactly the attributes BuildKit's
//! content hash covers (type, permission bits, size, symlink target, bytes), and nothing
//! it ignores (modification time, owner: the client resets uid/gid to 0).
//!
//! A snapshot can be taken from a directory (reusing digests of files whose stat is
//! unchanged since an earlier snapshot, like git's index) or from a git tree.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use berth_context::{MatchInfo, Matcher};
use sha2::{Digest as _, Sha256};

use crate::Error;

/// A raw SHA-256 digest.
pub type Digest = [u8; 32];

/// The kind of a context entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

/// Stat fingerprint of a regular file: size, mtime (ns), inode, ctime (ns).
pub type Stat = (u64, i64, u64, i64);

/// One path of the build context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    /// Permission bits plus setuid/setgid/sticky (`mode & 0o7777`).
    pub mode: u32,
    /// SHA-256 over kind, mode, size, symlink target and content.
    pub digest: Digest,
    /// A symlink's target.
    pub link: Option<String>,
    /// Stat fingerprint used to skip re-reading unchanged files; never part of any key.
    pub stat: Option<Stat>,
}

/// The build context as the cache sees it: relative `/`-separated path -> entry.
/// Directories are included (an empty directory matters); the root is not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub entries: BTreeMap<String, Entry>,
    /// When the snapshot was taken (seconds since the epoch), to spot racy stat reuse.
    pub taken_at: i64,
}

/// A position in the previous snapshot, moved forward through one directory's children
/// in name order: most lookups are a step or two of an in-order iteration instead of a
/// search from the root of the tree (and no index of 100,000 paths is built first).
struct Cursor<'a> {
    entries: &'a BTreeMap<String, Entry>,
    range: std::collections::btree_map::Range<'a, String, Entry>,
    next: Option<(&'a String, &'a Entry)>,
}

impl<'a> Cursor<'a> {
    /// A cursor at the first path not below `from`.
    fn at(entries: &'a BTreeMap<String, Entry>, from: &str) -> Cursor<'a> {
        use std::ops::Bound;
        let mut range = entries.range::<str, _>((Bound::Included(from), Bound::Unbounded));
        let next = range.next();
        Cursor {
            entries,
            range,
            next,
        }
    }

    /// The previous entry at `path`. Paths asked for must increase; one that does not
    /// is reported missing, which only costs a re-read, never a wrong answer.
    fn find(&mut self, path: &str) -> Option<(&'a String, &'a Entry)> {
        // Entries between two children are the descendants of the earlier one:
        // step over a few, seek past many.
        for _ in 0..8 {
            let (key, entry) = self.next?;
            match key.as_str().cmp(path) {
                std::cmp::Ordering::Less => self.next = self.range.next(),
                std::cmp::Ordering::Equal => {
                    self.next = self.range.next();
                    return Some((key, entry));
                }
                std::cmp::Ordering::Greater => return None,
            }
        }
        *self = Cursor::at(self.entries, path);
        self.find(path)
    }
}

/// What a walk found: entries equal to the previous snapshot's (by reference, nothing
/// copied) and entries that are new or differ from it.
#[derive(Default)]
struct Found<'a> {
    same: Vec<(&'a String, &'a Entry)>,
    new: Vec<(String, Entry)>,
}

/// One directory walk: the matcher, the previous snapshot to compare with.
struct Walker<'a> {
    ignore: &'a Matcher,
    previous: &'a BTreeMap<String, Entry>,
    /// Files modified at or after this time (seconds) are re-read even when their stat
    /// fingerprint is unchanged.
    racy_after: i64,
}

impl<'a> Walker<'a> {
    /// The entries below `dir` (relative path `rel`), subdirectories in parallel.
    fn dir(&self, dir: &Path, rel: &str, info: &MatchInfo) -> Result<Found<'a>, Error> {
        use rayon::prelude::*;
        let read = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut found = Found::default();
        let mut subdirs: Vec<(PathBuf, String, MatchInfo)> = vec![];
        // One buffer for every child's relative path: only entries that are new or
        // changed, and directories, get a path of their own.
        let mut path_rel = String::with_capacity(rel.len() + 64);
        path_rel.push_str(rel);
        if !rel.is_empty() {
            path_rel.push('/');
        }
        let prefix = path_rel.len();
        // Children in name order, the order of their paths in the previous snapshot.
        let mut items = read
            .map(|item| {
                let item = item.map_err(|e| Error::io(dir, e))?;
                let name = item
                    .file_name()
                    .into_string()
                    .unwrap_or_else(|name| name.to_string_lossy().into_owned());
                Ok((name, item))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        items.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut previous = Cursor::at(self.previous, &path_rel);
        for (name, item) in items {
            path_rel.truncate(prefix);
            path_rel.push_str(&name);
            let ft = item.file_type().map_err(|e| Error::io(&item.path(), e))?;
            let context_err = |e| Error::Context(format!(".dockerignore: {e}"));
            if ft.is_dir() {
                let (excluded, child_info) = self
                    .ignore
                    .is_excluded_in(path_rel.as_bytes(), info)
                    .map_err(context_err)?;
                if excluded {
                    if self.ignore.may_reinclude_below(path_rel.as_bytes()) {
                        subdirs.push((item.path(), path_rel.clone(), child_info));
                    }
                    continue;
                }
                subdirs.push((item.path(), path_rel.clone(), child_info));
            } else if self
                .ignore
                .is_excluded_leaf(path_rel.as_bytes(), info)
                .map_err(context_err)?
            {
                continue;
            }
            // `DirEntry::metadata` stats relative to the open directory (no symlink
            // following, no path walk from the root).
            let meta = item.metadata().map_err(|e| Error::io(&item.path(), e))?;
            let old = previous.find(&path_rel);
            match self.entry(&item, kind_of(ft), &meta, old)? {
                Seen::Same(same) => found.same.push(same),
                Seen::New(entry) => found.new.push((path_rel.clone(), entry)),
            }
        }
        let below: Vec<Found> = subdirs
            .par_iter()
            .map(|(path, rel, info)| self.dir(path, rel, info))
            .collect::<Result<_, _>>()?;
        for b in below {
            found.same.extend(b.same);
            found.new.extend(b.new);
        }
        Ok(found)
    }

    /// Whether `item` equals its entry `old` in the previous snapshot (same kind, mode,
    /// stat fingerprint or content, symlink target), else its new entry.
    fn entry(
        &self,
        item: &fs::DirEntry,
        kind: Kind,
        meta: &fs::Metadata,
        old: Option<(&'a String, &'a Entry)>,
    ) -> Result<Seen<'a>, Error> {
        let mode = meta.mode() & 0o7777;
        let old = old.filter(|(_, o)| o.kind == kind && o.mode == mode);
        let (digest, link, stat) = match kind {
            Kind::File => {
                let stat = (
                    meta.len(),
                    meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
                    meta.ino(),
                    meta.ctime() * 1_000_000_000 + meta.ctime_nsec(),
                );
                let old = old.filter(|(_, o)| o.stat == Some(stat));
                if let Some(old) = old.filter(|_| meta.mtime() < self.racy_after) {
                    return Ok(Seen::Same(old));
                }
                let path = item.path();
                let digest = file_digest(&path, meta).map_err(|e| Error::io(&path, e))?;
                // A racily clean file, re-read and found equal, is unchanged.
                if let Some(old) = old.filter(|(_, o)| o.digest == digest) {
                    return Ok(Seen::Same(old));
                }
                (digest, None, Some(stat))
            }
            Kind::Symlink => {
                let path = item.path();
                let target = fs::read_link(&path)
                    .map_err(|e| Error::io(&path, e))?
                    .to_string_lossy()
                    .into_owned();
                if let Some(old) = old.filter(|(_, o)| o.link.as_deref() == Some(&target)) {
                    return Ok(Seen::Same(old));
                }
                (
                    entry_digest(Kind::Symlink, mode, 0, &target, b""),
                    Some(target),
                    None,
                )
            }
            Kind::Dir | Kind::Other => {
                if let Some(old) = old {
                    return Ok(Seen::Same(old));
                }
                (entry_digest(kind, mode, 0, "", b""), None, None)
            }
        };
        Ok(Seen::New(Entry {
            kind,
            mode,
            digest,
            link,
            stat,
        }))
    }
}

/// A walked entry compared with the previous snapshot.
enum Seen<'a> {
    /// Equal to this entry of the previous snapshot.
    Same((&'a String, &'a Entry)),
    /// New, or different from the previous snapshot's entry.
    New(Entry),
}

/// Digest of an entry's hashed attributes.
///
/// A directory's mode is left out: on Docker 20.10.24 (the engine berth is checked
/// against) a mode-only change of a directory does not reach the build's copy of the
/// context, so `chmod 700 src` or `chmod 700 src/sub` keeps `COPY src/ ./src/` cached
/// (newer BuildKit hashes directory modes; see DESIGN.md section 4).
pub fn entry_digest(kind: Kind, mode: u32, size: u64, link: &str, content: &[u8]) -> Digest {
    let mut h = entry_hasher(kind, mode, size, link);
    h.update(content);
    h.finalize().into()
}

/// A hasher primed with an entry's header (everything but its content).
fn entry_hasher(kind: Kind, mode: u32, size: u64, link: &str) -> Sha256 {
    let mode = if kind == Kind::Dir { 0 } else { mode };
    let mut h = Sha256::new();
    h.update(format!("{kind:?}\0{mode:o}\0{size}\0{link}\0").as_bytes());
    h
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// Reads `.dockerignore` patterns from bytes into a matcher.
pub fn dockerignore_matcher(bytes: Option<&[u8]>) -> Result<Matcher, Error> {
    let patterns: Vec<Vec<u8>> = bytes
        .map(|b| {
            berth_context::parse_dockerignore(b)
                .into_iter()
                .map(|(_, p)| p)
                .collect()
        })
        .unwrap_or_default();
    Matcher::new(patterns).map_err(|e| Error::Context(format!(".dockerignore: {e}")))
}

/// The entry digest of a regular file, reading its content.
fn file_digest(path: &Path, meta: &fs::Metadata) -> std::io::Result<Digest> {
    let mut h = entry_hasher(Kind::File, meta.mode() & 0o7777, meta.len(), "");
    let mut file = fs::File::open(path)?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().into())
}

fn kind_of(ft: fs::FileType) -> Kind {
    if ft.is_symlink() {
        Kind::Symlink
    } else if ft.is_dir() {
        Kind::Dir
    } else if ft.is_file() {
        Kind::File
    } else {
        Kind::Other
    }
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Snapshot {
    /// Walks `root`, leaving out what `.dockerignore` excludes. Digests of regular
    /// files whose stat fingerprint equals the one in `previous` are reused (files
    /// modified within two seconds of the previous snapshot are always re-read, as git
    /// does for racily clean entries). Directories are read in parallel.
    pub fn scan(
        root: &Path,
        ignore: &Matcher,
        previous: Option<&Snapshot>,
    ) -> Result<Snapshot, Error> {
        let empty = Snapshot::default();
        let previous = previous.unwrap_or(&empty);
        Ok(match Snapshot::changed_since(root, ignore, previous)? {
            Some(snap) => snap,
            // Every racily clean file was re-read and found equal: the digests hold now.
            None => Snapshot {
                entries: previous.entries.clone(),
                taken_at: now_secs(),
            },
        })
    }

    /// Like [`Snapshot::scan`], but `None` when the context is exactly as `previous`
    /// recorded it (same paths, kinds, modes, symlink targets and stat fingerprints of
    /// files, or content for files modified too close to `previous`): the common case
    /// of an unchanged context then builds nothing.
    ///
    /// ```
    /// use berth_cache::Snapshot;
    /// let ctx = tempfile::tempdir().unwrap();
    /// std::fs::write(ctx.path().join("a.txt"), "a").unwrap();
    /// let ignore = berth_context::Matcher::new(Vec::<Vec<u8>>::new()).unwrap();
    /// let first = Snapshot::scan(ctx.path(), &ignore, None).unwrap();
    /// assert!(Snapshot::changed_since(ctx.path(), &ignore, &first).unwrap().is_none());
    /// std::fs::write(ctx.path().join("b.txt"), "b").unwrap();
    /// let second = Snapshot::changed_since(ctx.path(), &ignore, &first).unwrap().unwrap();
    /// assert_eq!(second.entries.len(), 2);
    /// ```
    pub fn changed_since(
        root: &Path,
        ignore: &Matcher,
        previous: &Snapshot,
    ) -> Result<Option<Snapshot>, Error> {
        let taken_at = now_secs();
        let walker = Walker {
            ignore,
            previous: &previous.entries,
            racy_after: previous.taken_at - 2,
        };
        let Found { same, new } = walker.dir(root, "", &MatchInfo::default())?;
        // Paths are unique, so every previous entry was seen equal exactly when the
        // counts agree.
        if new.is_empty() && same.len() == previous.entries.len() {
            return Ok(None);
        }
        let mut found: Vec<(String, Entry)> = Vec::with_capacity(same.len() + new.len());
        found.extend(same.into_iter().map(|(p, e)| (p.clone(), e.clone())));
        found.extend(new);
        found.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut snap = Snapshot {
            entries: found.into_iter().collect(),
            taken_at,
        };
        // Re-included files below excluded directories bring their parents along.
        let mut missing_parents: Vec<String> = vec![];
        let mut checked = "";
        for path in snap.entries.keys() {
            let mut cur = path.as_str();
            while let Some((parent, _)) = cur.rsplit_once('/') {
                if parent == checked || snap.entries.contains_key(parent) {
                    break;
                }
                if missing_parents.last().map(String::as_str) != Some(parent) {
                    missing_parents.push(parent.to_string());
                }
                cur = parent;
            }
            checked = path.rsplit_once('/').map_or("", |(p, _)| p);
        }
        missing_parents.sort_unstable();
        missing_parents.dedup();
        for parent in missing_parents {
            let path = root.join(&parent);
            let meta = fs::symlink_metadata(&path).map_err(|e| Error::io(&path, e))?;
            let mode = meta.mode() & 0o7777;
            snap.entries.insert(
                parent,
                Entry {
                    kind: Kind::Dir,
                    mode,
                    digest: entry_digest(Kind::Dir, mode, 0, "", b""),
                    link: None,
                    stat: None,
                },
            );
        }
        Ok(Some(snap))
    }

    /// Resolves `path` inside the context, following symlinks in every component (as
    /// COPY does for its source paths; absolute targets and `..` stay inside the
    /// context). Returns the resolved relative path (`""` for the root), or `None` when
    /// nothing is there.
    pub fn resolve(&self, path: &str) -> Option<String> {
        let mut parts: Vec<String> = vec![];
        let mut todo: Vec<String> = path.split('/').rev().map(str::to_string).collect();
        let mut hops = 0;
        while let Some(part) = todo.pop() {
            match part.as_str() {
                "" | "." => continue,
                ".." => {
                    parts.pop();
                    continue;
                }
                _ => {}
            }
            parts.push(part);
            let cur = parts.join("/");
            let entry = self.entries.get(&cur)?;
            if let Some(target) = entry.link.as_ref().filter(|_| entry.kind == Kind::Symlink) {
                hops += 1;
                if hops > 255 {
                    return None;
                }
                parts.pop();
                if target.starts_with('/') {
                    parts.clear();
                }
                todo.extend(target.split('/').rev().map(str::to_string));
            }
        }
        Some(parts.join("/"))
    }

    /// Entries strictly below `dir` (`""` for the whole context), in path order.
    pub fn below<'a>(
        &'a self,
        dir: &str,
    ) -> Box<dyn Iterator<Item = (&'a String, &'a Entry)> + 'a> {
        if dir.is_empty() {
            return Box::new(self.entries.iter());
        }
        let prefix = format!("{dir}/");
        let end = format!("{dir}0"); // '0' is the byte after '/'
        Box::new(
            self.entries
                .range(prefix.clone()..end)
                .filter(move |(k, _)| k.starts_with(&prefix)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_ignore() -> Matcher {
        Matcher::new(Vec::<Vec<u8>>::new()).unwrap()
    }

    /// A snapshot that looks taken long after every file was written, so stat
    /// fingerprints are trusted without re-reading.
    fn settled(root: &Path) -> Snapshot {
        let mut snap = Snapshot::scan(root, &no_ignore(), None).unwrap();
        snap.taken_at += 10;
        snap
    }

    #[test]
    fn unchanged_context_builds_nothing() {
        let ctx = tempfile::tempdir().unwrap();
        std::fs::create_dir(ctx.path().join("d")).unwrap();
        std::fs::write(ctx.path().join("d/a"), "a").unwrap();
        std::os::unix::fs::symlink("d/a", ctx.path().join("l")).unwrap();
        let snap = settled(ctx.path());
        assert_eq!(snap.entries.len(), 3);
        assert!(Snapshot::changed_since(ctx.path(), &no_ignore(), &snap)
            .unwrap()
            .is_none());
    }

    #[test]
    fn every_kind_of_change_is_seen() {
        type Change = fn(&Path);
        let changes: [(&str, Change); 6] = [
            ("edit", |p| std::fs::write(p.join("d/a"), "b").unwrap()),
            ("new file", |p| std::fs::write(p.join("d/new"), "").unwrap()),
            ("delete", |p| std::fs::remove_file(p.join("d/a")).unwrap()),
            ("empty dir", |p| std::fs::create_dir(p.join("e")).unwrap()),
            ("chmod", |p| {
                use std::os::unix::fs::PermissionsExt;
                let perm = std::fs::Permissions::from_mode(0o755);
                std::fs::set_permissions(p.join("d/a"), perm).unwrap()
            }),
            ("relink", |p| {
                std::fs::remove_file(p.join("l")).unwrap();
                std::os::unix::fs::symlink("d", p.join("l")).unwrap()
            }),
        ];
        for (what, change) in changes {
            let ctx = tempfile::tempdir().unwrap();
            std::fs::create_dir(ctx.path().join("d")).unwrap();
            std::fs::write(ctx.path().join("d/a"), "a").unwrap();
            std::os::unix::fs::symlink("d/a", ctx.path().join("l")).unwrap();
            let before = settled(ctx.path());
            change(ctx.path());
            let after = Snapshot::changed_since(ctx.path(), &no_ignore(), &before)
                .unwrap()
                .unwrap_or_else(|| panic!("{what} not seen"));
            let fresh = Snapshot::scan(ctx.path(), &no_ignore(), None).unwrap();
            assert_eq!(after.entries, fresh.entries, "{what}");
        }
    }

    #[test]
    fn racily_clean_files_are_re_read() {
        let ctx = tempfile::tempdir().unwrap();
        std::fs::write(ctx.path().join("a"), "1").unwrap();
        let mut snap = settled(ctx.path());
        // The record claims the file was modified within the racy window and holds a
        // stale digest with a matching stat fingerprint: it must be re-read.
        snap.taken_at -= 10;
        snap.entries.get_mut("a").unwrap().digest = [0; 32];
        let again = Snapshot::changed_since(ctx.path(), &no_ignore(), &snap)
            .unwrap()
            .expect("re-read and found different");
        assert_eq!(
            again.entries["a"].digest,
            entry_digest(Kind::File, again.entries["a"].mode, 1, "", b"1")
        );
    }

    #[test]
    fn re_included_files_bring_their_parents() {
        let ctx = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(ctx.path().join("x/y")).unwrap();
        std::fs::write(ctx.path().join("x/y/keep"), "k").unwrap();
        std::fs::write(ctx.path().join("x/y/drop"), "d").unwrap();
        let ignore = Matcher::new(vec![b"x".to_vec(), b"!x/y/keep".to_vec()]).unwrap();
        let snap = Snapshot::scan(ctx.path(), &ignore, None).unwrap();
        let paths: Vec<&str> = snap.entries.keys().map(String::as_str).collect();
        assert_eq!(paths, ["x", "x/y", "x/y/keep"]);
        let again = Snapshot::scan(ctx.path(), &ignore, Some(&snap)).unwrap();
        assert_eq!(again.entries, snap.entries);
    }
}
