//! The state file: a recorded [`Snapshot`] (with the stamps that let the next scan skip
//! unchanged files) plus the recording tool's own payload, versioned, checksummed end to
//! end and written atomically. A missing, unreadable, corrupt, foreign or older-format
//! file is reported as a [`StateError`] and never trusted; none of them is fatal to a
//! caller that can carry on as for a first build.
//!
//! Format (little-endian), version [`STATE_VERSION`]:
//!
//! ```text
//! magic "BERTHSTA", version u32, kind (u8 length + bytes), payload (u64 length + bytes),
//! root header u8 (0 transfer, 1 scan), scanned_at_ns i64, entry count u64,
//! entries in key order, SHA-256 of everything before it.
//! entry: path (u32 length + bytes), kind u8, mode u32, flags u8, record digest [32];
//!        flags 1: size u64 | 2: stat stamp (mtime_ns i64, ctime_ns i64, inode u64)
//!        | 4: object stamp [32] | 8: link target (u32 length + bytes)
//!        | 16: device (major u64, minor u64) | 32: directory contents digest [32]
//! ```
//!
//! Earlier formats (the stat cache `BERTHSC1` of `berth context hash --state`, the cache
//! records `BERTHCST` and the first JSON records) are recognised and reported as older.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::digest::{Digest, EntryKind};
use crate::snapshot::{key_cmp, Entry, RootHeader, Snapshot, Stamp, Tree};

/// The version of the state format this code reads and writes.
pub const STATE_VERSION: u32 = 1;

const MAGIC: &[u8; 8] = b"BERTHSTA";
const CHECKSUM_LEN: usize = 32;
const HAS_SIZE: u8 = 1;
const HAS_STAT: u8 = 2;
const HAS_OBJECT: u8 = 4;
const HAS_TARGET: u8 = 8;
const HAS_DEV: u8 = 16;
const HAS_CONTENTS: u8 = 32;
/// The smallest encoded entry: path length, kind, mode, flags, digest.
const MIN_ENTRY_LEN: usize = 4 + 1 + 4 + 1 + 32;

/// A state file's content: who wrote it, their payload, and the snapshot.
#[derive(Clone, Debug)]
pub struct State {
    /// What wrote the file (`context` for `berth context hash --state`, `cache` for
    /// `berth cache record`): a reader checks it is reading its own kind of state.
    pub kind: String,
    /// The writer's own data (for `cache`: the recorded evaluation).
    pub payload: Vec<u8>,
    /// The context as recorded.
    pub snapshot: Snapshot,
}

/// Why a state file is not used. Each message says what berth does instead.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// There is no state file yet.
    #[error("{}: no state recorded yet", path.display())]
    Missing {
        /// The state file.
        path: PathBuf,
    },
    /// Reading or writing failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The state file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is damaged (truncated, edited, torn by a crash).
    #[error("{}: the state is corrupt ({reason}); it is ignored", path.display())]
    Corrupt {
        /// The state file.
        path: PathBuf,
        /// The check that failed.
        reason: String,
    },
    /// The file was written by an older (or newer) berth.
    #[error("{}: the state has an older format ({found}); this berth reads version {STATE_VERSION}; it is ignored", path.display())]
    Version {
        /// The state file.
        path: PathBuf,
        /// What was found.
        found: String,
    },
    /// The file is not a berth state, or one of another kind.
    #[error("{}: not a berth {expected} state{}; it is ignored", path.display(), found.as_deref().map(|f| format!(" (it was written by `berth {f}`)")).unwrap_or_default())]
    Foreign {
        /// The state file.
        path: PathBuf,
        /// The kind the reader wanted.
        expected: String,
        /// The kind found, when the file is a berth state of another kind.
        found: Option<String>,
    },
}

impl State {
    /// Read and check a state file of `kind`.
    pub fn load(path: &Path, kind: &str) -> Result<State, StateError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StateError::Missing {
                    path: path.to_path_buf(),
                })
            }
            Err(source) => {
                return Err(StateError::Io {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        let corrupt = |reason: &str| StateError::Corrupt {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        let older = |found: &str| StateError::Version {
            path: path.to_path_buf(),
            found: found.to_string(),
        };
        let foreign = |found: Option<String>| StateError::Foreign {
            path: path.to_path_buf(),
            expected: kind.to_string(),
            found,
        };
        if bytes.starts_with(b"BERTHSC1") {
            return Err(older("the stat cache of an earlier `berth context hash`"));
        }
        if bytes.starts_with(b"BERTHCST") {
            return Err(older("a cache record of an earlier berth"));
        }
        if bytes.starts_with(b"{") && bytes.windows(17).any(|w| w == b"berth-cache-state") {
            return Err(older("a JSON cache record of an earlier berth"));
        }
        let Some(rest) = bytes.strip_prefix(MAGIC) else {
            return Err(foreign(None));
        };
        let Some(version) = rest.get(..4) else {
            return Err(corrupt("truncated"));
        };
        let version = u32::from_le_bytes(version.try_into().unwrap_or_default());
        if version != STATE_VERSION {
            return Err(older(&format!("version {version}")));
        }
        let Some(split) = bytes.len().checked_sub(CHECKSUM_LEN) else {
            return Err(corrupt("truncated"));
        };
        let (body, sum) = bytes.split_at(split);
        if Sha256::digest(body).as_slice() != sum {
            return Err(corrupt("checksum mismatch: truncated or edited"));
        }
        let state = decode(&body[MAGIC.len() + 4..]).map_err(corrupt)?;
        if state.kind != kind {
            return Err(foreign(Some(state.kind)));
        }
        Ok(state)
    }

    /// Write the state file atomically (a temporary file in the same directory, synced,
    /// then renamed over `path`), creating the directory when needed: a reader never
    /// sees a half-written state, and a torn one fails its checksum.
    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        let io = |source| StateError::Io {
            path: path.to_path_buf(),
            source,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let bytes = self.encode();
        let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(io)?;
        tmp.write_all(&bytes).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(path).map_err(|e| io(e.error))?;
        Ok(())
    }

    /// The encoded file.
    fn encode(&self) -> Vec<u8> {
        let entries = self.snapshot.entries();
        let mut out = Vec::with_capacity(64 + self.payload.len() + entries.len() * 120);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&STATE_VERSION.to_le_bytes());
        out.push(self.kind.len().min(255) as u8);
        out.extend_from_slice(&self.kind.as_bytes()[..self.kind.len().min(255)]);
        out.extend_from_slice(&(self.payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&self.payload);
        out.push(match self.snapshot.root_header() {
            RootHeader::Transfer => 0,
            RootHeader::Scan => 1,
        });
        out.extend_from_slice(&self.snapshot.scanned_at_ns.to_le_bytes());
        out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
        for e in entries {
            put_bytes(&mut out, &e.path);
            out.push(kind_code(e.kind));
            out.extend_from_slice(&e.mode.to_le_bytes());
            let mut flags = 0;
            if e.size != 0 {
                flags |= HAS_SIZE;
            }
            match e.stamp {
                Stamp::None => {}
                Stamp::Stat { .. } => flags |= HAS_STAT,
                Stamp::Object(_) => flags |= HAS_OBJECT,
            }
            if e.target.is_some() {
                flags |= HAS_TARGET;
            }
            if e.dev != (0, 0) {
                flags |= HAS_DEV;
            }
            if e.contents.is_some() {
                flags |= HAS_CONTENTS;
            }
            out.push(flags);
            out.extend_from_slice(&e.digest.0);
            if e.size != 0 {
                out.extend_from_slice(&e.size.to_le_bytes());
            }
            match e.stamp {
                Stamp::None => {}
                Stamp::Stat {
                    mtime_ns,
                    ctime_ns,
                    ino,
                } => {
                    out.extend_from_slice(&mtime_ns.to_le_bytes());
                    out.extend_from_slice(&ctime_ns.to_le_bytes());
                    out.extend_from_slice(&ino.to_le_bytes());
                }
                Stamp::Object(id) => out.extend_from_slice(&id),
            }
            if let Some(target) = &e.target {
                put_bytes(&mut out, target);
            }
            if e.dev != (0, 0) {
                out.extend_from_slice(&e.dev.0.to_le_bytes());
                out.extend_from_slice(&e.dev.1.to_le_bytes());
            }
            if let Some(contents) = &e.contents {
                out.extend_from_slice(&contents.0);
            }
        }
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum);
        out
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn kind_code(kind: EntryKind) -> u8 {
    match kind {
        EntryKind::File => 0,
        EntryKind::Dir => 1,
        EntryKind::Symlink => 2,
        EntryKind::CharDevice => 3,
        EntryKind::BlockDevice => 4,
        EntryKind::Fifo => 5,
    }
}

/// Reads the fields of the format; every error means a corrupt file.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], &'static str> {
        if self.bytes.len() < n {
            return Err("truncated");
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], &'static str> {
        self.take(N)?.try_into().map_err(|_| "truncated")
    }

    fn u8(&mut self) -> Result<u8, &'static str> {
        Ok(self.array::<1>()?[0])
    }

    fn u32(&mut self) -> Result<u32, &'static str> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, &'static str> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn bytes(&mut self) -> Result<&'a [u8], &'static str> {
        let len = self.u32()? as usize;
        self.take(len)
    }

    fn entry(&mut self) -> Result<Entry, &'static str> {
        let path = self.bytes()?;
        let kind = match self.u8()? {
            0 => EntryKind::File,
            1 => EntryKind::Dir,
            2 => EntryKind::Symlink,
            3 => EntryKind::CharDevice,
            4 => EntryKind::BlockDevice,
            5 => EntryKind::Fifo,
            _ => return Err("unknown entry kind"),
        };
        let mut entry = Entry::bare(path, kind, self.u32()?);
        let flags = self.u8()?;
        entry.digest = Digest(self.array()?);
        if flags & HAS_SIZE != 0 {
            entry.size = self.u64()?;
        }
        if flags & HAS_STAT != 0 {
            entry.stamp = Stamp::Stat {
                mtime_ns: self.u64()? as i64,
                ctime_ns: self.u64()? as i64,
                ino: self.u64()?,
            };
        } else if flags & HAS_OBJECT != 0 {
            entry.stamp = Stamp::Object(self.array()?);
        }
        if flags & HAS_TARGET != 0 {
            entry.target = Some(self.bytes()?.into());
        }
        if flags & HAS_DEV != 0 {
            entry.dev = (self.u64()?, self.u64()?);
        }
        if flags & HAS_CONTENTS != 0 {
            entry.contents = Some(Digest(self.array()?));
        }
        Ok(entry)
    }
}

/// Decode everything after the magic and version (the checksum already verified).
fn decode(body: &[u8]) -> Result<State, &'static str> {
    let mut r = Reader { bytes: body };
    let kind_len = usize::from(r.u8()?);
    let kind = String::from_utf8(r.take(kind_len)?.to_vec()).map_err(|_| "bad kind")?;
    let payload_len = usize::try_from(r.u64()?).map_err(|_| "truncated")?;
    let payload = r.take(payload_len)?.to_vec();
    let root_header = match r.u8()? {
        0 => RootHeader::Transfer,
        1 => RootHeader::Scan,
        _ => return Err("unknown root header"),
    };
    let scanned_at_ns = r.u64()? as i64;
    let count = r.u64()?;
    // Sized once, but never beyond what the remaining bytes can hold, whatever a corrupt
    // count says.
    let capacity = usize::try_from(count)
        .unwrap_or(usize::MAX)
        .min(r.bytes.len() / MIN_ENTRY_LEN);
    let mut entries = Vec::with_capacity(capacity);
    for _ in 0..count {
        entries.push(r.entry()?);
    }
    if !r.bytes.is_empty() {
        return Err("bytes after the last entry");
    }
    if !matches!(entries.first(), Some(e) if e.path.is_empty()) {
        return Err("no root entry");
    }
    if !entries
        .windows(2)
        .all(|w| key_cmp(&w[0].path, &w[1].path).is_lt())
    {
        return Err("entries out of order");
    }
    if entries
        .iter()
        .any(|e| (e.kind == EntryKind::Dir) != e.contents.is_some())
    {
        return Err("directory without contents digest");
    }
    Ok(State {
        kind,
        payload,
        snapshot: Snapshot::from_parts(Tree::from_sorted(entries), root_header, scanned_at_ns),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> State {
        let mut file = Entry::file(b"src/a.txt", 0o644, b"a");
        file.stamp = Stamp::Stat {
            mtime_ns: 1,
            ctime_ns: 2,
            ino: 3,
        };
        let mut blob = Entry::file(b"src/b.txt", 0o755, b"bb");
        blob.stamp = Stamp::Object([7; 32]);
        let mut snapshot = Snapshot::from_entries(
            vec![file, blob, Entry::symlink(b"link", b"src")],
            RootHeader::Transfer,
        );
        snapshot.scanned_at_ns = 42;
        State {
            kind: "test".into(),
            payload: b"{\"hello\":1}".to_vec(),
            snapshot,
        }
    }

    #[test]
    fn round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/state");
        let state = sample();
        state.save(&path).unwrap();
        let back = State::load(&path, "test").unwrap();
        assert_eq!(back.snapshot, state.snapshot);
        assert_eq!(back.payload, state.payload);
    }

    #[test]
    fn damaged_foreign_and_older_states_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        let load = |bytes: &[u8]| {
            std::fs::write(&path, bytes).unwrap();
            State::load(&path, "test").unwrap_err().to_string()
        };
        let good = sample().encode();
        assert!(load(&good[..good.len() / 2]).contains("corrupt"));
        let mut edited = good.clone();
        edited[good.len() / 2] ^= 1;
        assert!(load(&edited).contains("checksum mismatch"));
        let mut newer = good.clone();
        newer[8..12].copy_from_slice(&9u32.to_le_bytes());
        assert!(load(&newer).contains("version 9"));
        assert!(load(b"BERTHSC1....").contains("older format"));
        assert!(load(b"BERTHCST\x02\0\0\0").contains("older format"));
        assert!(load(br#"{"format":"berth-cache-state","version":1}"#).contains("older format"));
        assert!(load(b"hello").contains("not a berth test state"));
        std::fs::write(&path, &good).unwrap();
        let other = State::load(&path, "cache").unwrap_err().to_string();
        assert!(other.contains("written by `berth test`"), "{other}");
        let missing = State::load(&dir.path().join("none"), "test").unwrap_err();
        assert!(matches!(missing, StateError::Missing { .. }));
    }
}
