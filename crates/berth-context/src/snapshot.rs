//! The model of a context: its entries in BuildKit's key order ([`Tree`]: what a walk
//! finds, metadata only) and, once file contents are digested, a [`Snapshot`] with a
//! record digest per entry and a contents digest per directory.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::ops::Deref;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::digest::{Digest, EntryKind, Header};

/// One entry of a context.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Path relative to the context root, `/`-separated, raw bytes (may not be UTF-8);
    /// empty for the root directory.
    #[serde(with = "bytes_as_text")]
    pub path: Box<[u8]>,
    /// Entry kind.
    pub kind: EntryKind,
    /// Permission bits with setuid/setgid/sticky (`st_mode & 0o7777`).
    pub mode: u32,
    /// Size in bytes (regular files).
    pub size: u64,
    /// What says the content is unchanged without reading it (never hashed).
    #[serde(default)]
    pub stamp: Stamp,
    /// Device numbers (devices only).
    #[serde(default)]
    pub dev: (u64, u64),
    /// Symlink target, as stored in the link.
    #[serde(default, with = "opt_bytes_as_text")]
    pub target: Option<Box<[u8]>>,
    /// Record digest: header plus content for files; header only for directories,
    /// symlinks, devices and pipes. Zero in a [`Tree`] that was not digested.
    pub digest: Digest,
    /// For directories of a [`Snapshot`]: the contents digest (header plus every child,
    /// recursively).
    #[serde(default)]
    pub contents: Option<Digest>,
}

/// What tells, without reading a file, that its content is the one digested before.
///
/// The directory walker stamps files with their stat fingerprint; a source that reads a
/// content-addressed store (a git tree) stamps them with the object id, so an unchanged
/// blob is never read twice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Stamp {
    /// Nothing: the content must be read to know it.
    #[default]
    None,
    /// A file on disk: modification and status-change times (ns since the epoch) and
    /// inode, the fields git's index trusts. Only trusted for files modified well before
    /// the earlier scan ([`Snapshot::scanned_at_ns`]).
    Stat {
        /// Modification time.
        mtime_ns: i64,
        /// Status-change time.
        ctime_ns: i64,
        /// Inode number.
        ino: u64,
    },
    /// A content-addressed object id (a git blob id; a 20-byte SHA-1 id is padded with
    /// zeros): equal ids mean equal bytes.
    Object([u8; 32]),
}

impl Entry {
    /// The record header of this entry.
    pub fn header(&self) -> Header<'_> {
        Header {
            kind: self.kind,
            mode: self.mode,
            size: self.size,
            link_target: self.target.as_deref().unwrap_or_default(),
            dev: self.dev,
        }
    }

    /// The digest a parent directory (or a selection) sees for this entry.
    pub fn tree_digest(&self) -> Digest {
        self.contents.unwrap_or(self.digest)
    }

    /// The path as text (lossy for names that are not UTF-8).
    pub fn path_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.path)
    }

    /// A regular file held in memory (tests and API users building trees by hand).
    pub fn file(path: &[u8], mode: u32, content: &[u8]) -> Entry {
        let mut entry = Entry::bare(path, EntryKind::File, mode);
        entry.size = content.len() as u64;
        entry.digest = crate::digest::file_record_bytes(&entry.header(), content);
        entry
    }

    /// A directory.
    pub fn dir(path: &[u8], mode: u32) -> Entry {
        Entry::bare(path, EntryKind::Dir, mode)
    }

    /// A symbolic link to `target`.
    pub fn symlink(path: &[u8], target: &[u8]) -> Entry {
        let mut entry = Entry::bare(path, EntryKind::Symlink, 0o777);
        entry.target = Some(target.into());
        entry
    }

    /// An entry of `kind` with no content, stamp or digest yet.
    pub fn bare(path: &[u8], kind: EntryKind, mode: u32) -> Entry {
        Entry {
            path: path.into(),
            kind,
            mode,
            size: 0,
            stamp: Stamp::None,
            dev: (0, 0),
            target: None,
            digest: Digest::default(),
            contents: None,
        }
    }

    /// Whether `self` and `other` describe the same metadata (kind, mode, size, stamp,
    /// link target, device numbers): everything but the digests.
    pub fn same_metadata(&self, other: &Entry) -> bool {
        self.kind == other.kind
            && self.mode == other.mode
            && self.size == other.size
            && self.stamp == other.stamp
            && self.target == other.target
            && self.dev == other.dev
    }
}

/// How the root directory's own header enters the root digest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RootHeader {
    /// Records built from the file-transfer stream (a build context): the root's header
    /// digest is SHA-256 of empty input.
    #[default]
    Transfer,
    /// Records built by scanning a directory on disk (e.g. a stage result): the root's
    /// header is hashed from its metadata like any directory.
    Scan,
}

/// BuildKit's key order: paths compared as bytes with `/` sorting before everything.
pub fn key_cmp(a: &[u8], b: &[u8]) -> Ordering {
    let map = |c: u8| if c == b'/' { 0 } else { c };
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(i) => map(a[i]).cmp(&map(b[i])),
        None => a.len().cmp(&b.len()),
    }
}

/// The entries of a context (or any file tree) in key order, the root first and every
/// parent present: what a walk finds, before (or without) reading file contents.
///
/// Which entries a COPY source selects is answered here ([`Tree::select_paths`]), so a
/// caller that only needs paths and counts (the linter) never reads a file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Tree {
    entries: Vec<Entry>,
}

impl Tree {
    /// A tree from entries in any order. Missing parent directories (and the root) are
    /// added with mode 0755; of two entries with one path the first is kept.
    pub fn from_entries(mut entries: Vec<Entry>) -> Tree {
        entries.sort_by(|a, b| key_cmp(&a.path, &b.path));
        entries.dedup_by(|a, b| a.path == b.path);
        let mut missing: Vec<Entry> = Vec::new();
        {
            let present = |p: &[u8]| entries.binary_search_by(|e| key_cmp(&e.path, p)).is_ok();
            if !present(b"") {
                missing.push(Entry::dir(b"", 0o755));
            }
            let mut added: HashSet<&[u8]> = HashSet::new();
            // In key order a parent comes before its children: the previous entry's
            // path (or one of its parents) is usually the parent, found without a search.
            let mut last_parent: &[u8] = b"";
            for entry in &entries {
                let mut p: &[u8] = &entry.path;
                while let Some(i) = p.iter().rposition(|&c| c == b'/') {
                    p = &p[..i];
                    if p == last_parent || added.contains(p) || present(p) {
                        break;
                    }
                    added.insert(p);
                    missing.push(Entry::dir(p, 0o755));
                }
                last_parent = match entry.path.iter().rposition(|&c| c == b'/') {
                    Some(i) => &entry.path[..i],
                    None => b"",
                };
            }
        }
        if !missing.is_empty() {
            entries.extend(missing);
            entries.sort_by(|a, b| key_cmp(&a.path, &b.path));
        }
        Tree { entries }
    }

    /// A tree of paths alone, as regular files (their parents become directories): for
    /// callers that only ask which paths a source selects.
    pub fn from_paths<I, P>(paths: I) -> Tree
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        Tree::from_entries(
            paths
                .into_iter()
                .map(|p| Entry::bare(p.as_ref(), EntryKind::File, 0o644))
                .collect(),
        )
    }

    /// Entries already in key order, unique, the root first and every parent present
    /// (what the walker produces).
    pub(crate) fn from_sorted(entries: Vec<Entry>) -> Tree {
        debug_assert!(entries.first().is_some_and(|e| e.path.is_empty()));
        debug_assert!(entries
            .windows(2)
            .all(|w| key_cmp(&w[0].path, &w[1].path).is_lt()));
        Tree { entries }
    }

    /// All entries in key order; the root directory first.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub(crate) fn entries_mut(&mut self) -> &mut [Entry] {
        &mut self.entries
    }

    pub(crate) fn into_entries(self) -> Vec<Entry> {
        self.entries
    }

    /// The entry at `path` (relative, no symlinks resolved), if present.
    pub fn get(&self, path: &[u8]) -> Option<&Entry> {
        self.find(path).map(|i| &self.entries[i])
    }

    /// The index of the entry at `path`.
    pub fn find(&self, path: &[u8]) -> Option<usize> {
        self.entries
            .binary_search_by(|e| key_cmp(&e.path, path))
            .ok()
    }

    /// Whether entry `child` lies below directory entry `dir`.
    fn is_below(&self, dir: usize, child: usize) -> bool {
        if dir == 0 {
            return child > 0;
        }
        let d = &self.entries[dir].path;
        let c = &self.entries[child].path;
        c.len() > d.len() && c.starts_with(d) && c[d.len()] == b'/'
    }

    /// Index range of the entries strictly below directory entry `index`.
    pub fn subtree(&self, index: usize) -> std::ops::Range<usize> {
        if index == 0 {
            return 1..self.entries.len();
        }
        // Subtrees are contiguous in key order: find the end by binary search on the
        // first entry that is not below.
        let (mut lo, mut hi) = (index + 1, self.entries.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.is_below(index, mid) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        index + 1..lo
    }

    /// Files (and sockets and devices, sent as such), symlinks and pipes, in key order:
    /// every entry but directories.
    pub fn files(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.kind != EntryKind::Dir)
    }

    /// Number of entries that are not directories.
    pub fn file_count(&self) -> usize {
        self.files().count()
    }
}

/// A digested context (or any file tree): a [`Tree`] whose entries carry their record
/// digests, with a contents digest per directory.
///
/// ```
/// use berth_context::{Entry, EntryKind, RootHeader, Snapshot};
/// let file = Entry::file(b"app/main.py", 0o644, b"print(1)\n");
/// let snap = Snapshot::from_entries(vec![file], RootHeader::Transfer);
/// let sel = snap.select(&["app/*.py"], &[] as &[&str]).unwrap();
/// assert_eq!(sel.paths(&snap).collect::<Vec<_>>(), [b"app/main.py"]);
/// assert_ne!(sel.digest, snap.root_digest());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    tree: Tree,
    root_header: RootHeader,
    /// When the stat fingerprints of the entries were taken (ns since the epoch; 0 when
    /// unknown). Files modified less than two seconds before are re-read by the next scan
    /// even when their stamp is unchanged ("racy git").
    #[serde(default)]
    pub scanned_at_ns: i64,
}

impl Deref for Snapshot {
    type Target = Tree;

    fn deref(&self) -> &Tree {
        &self.tree
    }
}

impl Snapshot {
    /// Build a snapshot from entries in any order. Regular files must carry their record
    /// digest; the other records and every directory digest are computed here. Missing
    /// parent directories (and the root) are added with mode 0755.
    pub fn from_entries(entries: Vec<Entry>, root_header: RootHeader) -> Snapshot {
        Snapshot::from_tree(Tree::from_entries(entries), root_header)
    }

    /// A snapshot of a tree whose regular files carry their record digests: the other
    /// records and the directory digests are computed here.
    pub fn from_tree(mut tree: Tree, root_header: RootHeader) -> Snapshot {
        for entry in tree.entries_mut() {
            if entry.kind != EntryKind::File {
                entry.digest = entry.header().digest();
            }
        }
        if root_header == RootHeader::Transfer {
            tree.entries_mut()[0].digest = Digest::empty();
        }
        let mut snapshot = Snapshot {
            tree,
            root_header,
            scanned_at_ns: 0,
        };
        snapshot.hash_dir(0);
        snapshot
    }

    /// A snapshot whose every digest was decoded from a trusted record (the state codec).
    pub(crate) fn from_parts(tree: Tree, root_header: RootHeader, scanned_at_ns: i64) -> Snapshot {
        Snapshot {
            tree,
            root_header,
            scanned_at_ns,
        }
    }

    /// Compute the contents digest of the directory at `index` and everything below it;
    /// returns the index after its subtree.
    fn hash_dir(&mut self, index: usize) -> usize {
        let prefix_len = if index == 0 {
            0
        } else {
            self.tree.entries[index].path.len() + 1
        };
        let mut h = Sha256::new();
        h.update([0u8]);
        h.update(self.tree.entries[index].digest.text());
        let mut next = index + 1;
        while next < self.tree.entries.len() && self.tree.is_below(index, next) {
            let child = next;
            next = if self.tree.entries[child].kind == EntryKind::Dir {
                self.hash_dir(child)
            } else {
                child + 1
            };
            let entry = &self.tree.entries[child];
            h.update([0u8]);
            h.update(&entry.path[prefix_len..]);
            h.update(entry.tree_digest().text());
        }
        self.tree.entries[index].contents = Some(Digest(h.finalize().into()));
        next
    }

    /// The tree of entries.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// How the root header was hashed.
    pub fn root_header(&self) -> RootHeader {
        self.root_header
    }

    /// Digest of the whole context (the root directory's contents digest): what
    /// `berth context hash` prints and what `COPY . /` is keyed by.
    pub fn root_digest(&self) -> Digest {
        self.tree.entries[0].tree_digest()
    }

    /// Total size of the regular files.
    pub fn file_bytes(&self) -> u64 {
        self.tree
            .entries
            .iter()
            .filter(|e| e.kind == EntryKind::File)
            .map(|e| e.size)
            .sum()
    }
}

/// Serialize byte paths as strings when they are UTF-8 (the normal case), else as an
/// array of bytes.
mod bytes_as_text {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        Str(String),
        Bytes(Vec<u8>),
    }

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(bytes) {
            Ok(text) => text.serialize(s),
            Err(_) => bytes.serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Box<[u8]>, D::Error> {
        Ok(match Text::deserialize(d)? {
            Text::Str(s) => s.into_bytes().into(),
            Text::Bytes(b) => b.into(),
        })
    }

    pub(super) fn de_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<[u8]>>, D::Error> {
        Ok(Option::<Text>::deserialize(d)?.map(|t| match t {
            Text::Str(s) => s.into_bytes().into(),
            Text::Bytes(b) => b.into(),
        }))
    }
}

mod opt_bytes_as_text {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &Option<Box<[u8]>>, s: S) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(b) => super::bytes_as_text::serialize(b, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<[u8]>>, D::Error> {
        super::bytes_as_text::de_text(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_entries_adds_parents_and_sorts_in_key_order() {
        let tree = Tree::from_paths(["a/b-c", "a/b/c", "z"]);
        let paths: Vec<_> = tree.entries().iter().map(|e| e.path_lossy()).collect();
        assert_eq!(paths, ["", "a", "a/b", "a/b/c", "a/b-c", "z"]);
        assert_eq!(tree.subtree(1), 2..5);
        assert_eq!(tree.subtree(0), 1..6);
        assert_eq!(tree.file_count(), 3);
    }
}
