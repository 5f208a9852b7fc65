//! A snapshot of a context: every entry with its metadata and BuildKit record digest,
//! kept in BuildKit's key order, with a contents digest per directory.

use std::cmp::Ordering;

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
    /// Modification time in nanoseconds since the epoch (stat cache only; never hashed).
    pub mtime_ns: i64,
    /// Inode number (stat cache only).
    pub ino: u64,
    /// Device numbers (devices only).
    #[serde(default)]
    pub dev: (u64, u64),
    /// Symlink target, as stored in the link.
    #[serde(default, with = "opt_bytes_as_text")]
    pub target: Option<Box<[u8]>>,
    /// Record digest: header plus content for files; header only for directories,
    /// symlinks and devices.
    pub digest: Digest,
    /// For directories: the contents digest (header plus every child, recursively).
    #[serde(default)]
    pub contents: Option<Digest>,
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

/// A hashed context (or any file tree).
///
/// ```
/// use berth_context::{Entry, EntryKind, RootHeader, Snapshot};
/// let file = Entry::file(b"app/main.py", 0o644, b"print(1)\n");
/// let snap = Snapshot::from_entries(vec![file], RootHeader::Transfer);
/// let sel = snap.select(&["app/*.py"], &[] as &[&str]).unwrap();
/// assert_eq!(sel.paths, vec![b"app/main.py".to_vec()]);
/// assert_ne!(sel.digest, snap.root_digest());
/// ```
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Snapshot {
    entries: Vec<Entry>,
    root_header: RootHeader,
}

impl Entry {
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

    fn bare(path: &[u8], kind: EntryKind, mode: u32) -> Entry {
        Entry {
            path: path.into(),
            kind,
            mode,
            size: 0,
            mtime_ns: 0,
            ino: 0,
            dev: (0, 0),
            target: None,
            digest: Digest::default(),
            contents: None,
        }
    }
}

impl Snapshot {
    /// Build a snapshot from entries in any order. Regular files must carry their record
    /// digest; the other records and every directory digest are computed here. Missing
    /// parent directories (and the root) are added with mode 0755.
    pub fn from_entries(mut entries: Vec<Entry>, root_header: RootHeader) -> Snapshot {
        entries.sort_unstable_by(|a, b| key_cmp(&a.path, &b.path));
        entries.dedup_by(|a, b| a.path == b.path);
        let mut missing = Vec::new();
        {
            let present = |p: &[u8]| entries.binary_search_by(|e| key_cmp(&e.path, p)).is_ok();
            if !present(b"") {
                missing.push(Entry::dir(b"", 0o755));
            }
            for entry in &entries {
                let mut p: &[u8] = &entry.path;
                while let Some(i) = p.iter().rposition(|&c| c == b'/') {
                    p = &p[..i];
                    if !present(p) && !missing.iter().any(|m: &Entry| &*m.path == p) {
                        missing.push(Entry::dir(p, 0o755));
                    }
                }
            }
        }
        if !missing.is_empty() {
            entries.extend(missing);
            entries.sort_unstable_by(|a, b| key_cmp(&a.path, &b.path));
        }
        Snapshot::from_complete(entries, root_header)
    }

    /// [`Snapshot::from_entries`] for entries already sorted in key order, unique, with
    /// the root first and every parent present (what the walker produces).
    pub(crate) fn from_complete(mut entries: Vec<Entry>, root_header: RootHeader) -> Snapshot {
        for entry in &mut entries {
            if entry.kind != EntryKind::File {
                entry.digest = entry.header().digest();
            }
        }
        if root_header == RootHeader::Transfer {
            entries[0].digest = Digest::empty();
        }
        let mut snapshot = Snapshot {
            entries,
            root_header,
        };
        snapshot.hash_dir(0);
        snapshot
    }

    /// Compute the contents digest of the directory at `index` and everything below it;
    /// returns the index after its subtree.
    fn hash_dir(&mut self, index: usize) -> usize {
        let prefix_len = if index == 0 {
            0
        } else {
            self.entries[index].path.len() + 1
        };
        let mut h = Sha256::new();
        h.update([0u8]);
        h.update(self.entries[index].digest.text());
        let mut next = index + 1;
        while next < self.entries.len() && self.is_below(index, next) {
            let child = next;
            next = if self.entries[child].kind == EntryKind::Dir {
                self.hash_dir(child)
            } else {
                child + 1
            };
            let entry = &self.entries[child];
            h.update([0u8]);
            h.update(&entry.path[prefix_len..]);
            h.update(entry.tree_digest().text());
        }
        self.entries[index].contents = Some(Digest(h.finalize().into()));
        next
    }

    /// Whether entry `child` lies below directory entry `dir`.
    fn is_below(&self, dir: usize, child: usize) -> bool {
        if dir == 0 {
            return true;
        }
        let d = &self.entries[dir].path;
        let c = &self.entries[child].path;
        c.len() > d.len() && c.starts_with(d) && c[d.len()] == b'/'
    }

    /// All entries in key order; the root directory first.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// How the root header was hashed.
    pub fn root_header(&self) -> RootHeader {
        self.root_header
    }

    /// Digest of the whole context (the root directory's contents digest).
    pub fn root_digest(&self) -> Digest {
        self.entries[0].tree_digest()
    }

    /// The entry at `path` (relative, no symlinks resolved), if present.
    pub fn get(&self, path: &[u8]) -> Option<&Entry> {
        self.find(path).map(|i| &self.entries[i])
    }

    pub(crate) fn find(&self, path: &[u8]) -> Option<usize> {
        self.entries
            .binary_search_by(|e| key_cmp(&e.path, path))
            .ok()
    }

    /// Index range of the entries strictly below directory entry `index`.
    pub(crate) fn subtree(&self, index: usize) -> std::ops::Range<usize> {
        let mut end = index + 1;
        if index == 0 {
            return 1..self.entries.len();
        }
        // Subtrees are contiguous in key order; find the end by binary search on the
        // first entry that is not below.
        let (mut lo, mut hi) = (end, self.entries.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.is_below(index, mid) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        end = lo;
        index + 1..end
    }

    /// Files (and sockets/devices, sent as files) and symlinks, in key order: what
    /// `COPY . /` would create besides directories.
    pub fn files(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.kind != EntryKind::Dir)
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
