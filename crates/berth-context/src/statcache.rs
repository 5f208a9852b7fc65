//! The stat cache: file digests remembered by (size, mtime, inode, mode), like git's
//! index, so an unchanged file is never read again.
//!
//! Binary format (little-endian), checked end to end by a trailing SHA-256:
//! magic `BERTHSC1`, scan start time (ns), entry count, then per entry: path length
//! (u32), path bytes, size, mtime (ns), inode, mode (u32), record digest (32 bytes).
//! A file that fails any check is reported as corrupt and never trusted.

use std::io::Write;
use std::path::Path;

use sha2::{Digest as _, Sha256};

use crate::digest::{Digest, EntryKind};
use crate::snapshot::{key_cmp, Entry, Snapshot};

const MAGIC: &[u8; 8] = b"BERTHSC1";

/// How much older than the scan a modification time must be for the cached digest to
/// be trusted: a file changed within the same timestamp tick as it was read would keep
/// its mtime ("racy git"); 2 s covers coarse file systems.
const RACY_MARGIN_NS: i64 = 2_000_000_000;

#[derive(Clone, Debug)]
struct Cached {
    path: Box<[u8]>,
    size: u64,
    mtime_ns: i64,
    ino: u64,
    mode: u32,
    digest: Digest,
}

/// File digests from an earlier scan, sorted in key order.
#[derive(Clone, Debug, Default)]
pub struct StatCache {
    scanned_at_ns: i64,
    entries: Vec<Cached>,
}

/// Why a state file was not used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The state file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not a valid stat cache (truncated, edited, other format).
    #[error("{path}: corrupt stat cache ({reason}); ignoring it and hashing every file")]
    Corrupt {
        /// The state file.
        path: String,
        /// What check failed.
        reason: &'static str,
    },
}

impl StatCache {
    /// The cached digest for a file entry whose metadata is unchanged.
    pub fn lookup(&self, entry: &Entry) -> Option<Digest> {
        let i = self
            .entries
            .binary_search_by(|c| key_cmp(&c.path, &entry.path))
            .ok()?;
        let c = &self.entries[i];
        let same = c.size == entry.size
            && c.mtime_ns == entry.mtime_ns
            && c.ino == entry.ino
            && c.mode == entry.mode
            && c.mtime_ns < self.scanned_at_ns - RACY_MARGIN_NS;
        same.then_some(c.digest)
    }

    /// Number of remembered files.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Remember every regular file of `snapshot`, scanned starting at `scanned_at_ns`.
    pub fn from_snapshot(snapshot: &Snapshot, scanned_at_ns: i64) -> StatCache {
        let entries = snapshot
            .entries()
            .iter()
            .filter(|e| e.kind == EntryKind::File)
            .map(|e| Cached {
                path: e.path.clone(),
                size: e.size,
                mtime_ns: e.mtime_ns,
                ino: e.ino,
                mode: e.mode,
                digest: e.digest,
            })
            .collect();
        StatCache {
            scanned_at_ns,
            entries,
        }
    }

    /// Load a state file. A missing file is `Ok(None)`; anything unreadable or corrupt
    /// is an error the caller reports before carrying on without a cache.
    pub fn load(path: &Path) -> Result<Option<StatCache>, StateError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(StateError::Io {
                    path: path.display().to_string(),
                    source,
                })
            }
        };
        Self::decode(&bytes)
            .map(Some)
            .map_err(|reason| StateError::Corrupt {
                path: path.display().to_string(),
                reason,
            })
    }

    fn decode(bytes: &[u8]) -> Result<StatCache, &'static str> {
        if bytes.len() < 8 + 8 + 8 + 32 || &bytes[..8] != MAGIC {
            return Err("not a berth stat cache");
        }
        let (body, sum) = bytes.split_at(bytes.len() - 32);
        if Sha256::digest(body).as_slice() != sum {
            return Err("checksum mismatch");
        }
        let mut r = Reader { b: body, at: 8 };
        let scanned_at_ns = r.u64()? as i64;
        let count = r.u64()?;
        let mut entries = Vec::with_capacity(count.min(1 << 24) as usize);
        for _ in 0..count {
            let len = r.u32()? as usize;
            let path: Box<[u8]> = r.take(len)?.into();
            let size = r.u64()?;
            let mtime_ns = r.u64()? as i64;
            let ino = r.u64()?;
            let mode = r.u32()?;
            let digest = Digest(r.take(32)?.try_into().map_err(|_| "truncated")?);
            entries.push(Cached {
                path,
                size,
                mtime_ns,
                ino,
                mode,
                digest,
            });
        }
        if r.at != body.len() {
            return Err("trailing bytes");
        }
        if !entries
            .windows(2)
            .all(|w| key_cmp(&w[0].path, &w[1].path).is_lt())
        {
            return Err("entries out of order");
        }
        Ok(StatCache {
            scanned_at_ns,
            entries,
        })
    }

    /// Write the state file atomically (temporary file in the same directory, then
    /// rename), so a crash never leaves a half-written cache.
    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        let io = |source| StateError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut body = Vec::with_capacity(24 + self.entries.len() * 96);
        body.extend_from_slice(MAGIC);
        body.extend_from_slice(&(self.scanned_at_ns as u64).to_le_bytes());
        body.extend_from_slice(&(self.entries.len() as u64).to_le_bytes());
        for c in &self.entries {
            body.extend_from_slice(&(c.path.len() as u32).to_le_bytes());
            body.extend_from_slice(&c.path);
            body.extend_from_slice(&c.size.to_le_bytes());
            body.extend_from_slice(&(c.mtime_ns as u64).to_le_bytes());
            body.extend_from_slice(&c.ino.to_le_bytes());
            body.extend_from_slice(&c.mode.to_le_bytes());
            body.extend_from_slice(&c.digest.0);
        }
        let sum = Sha256::digest(&body);
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        tmp.write_all(&body).map_err(io)?;
        tmp.write_all(&sum).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(path).map_err(|e| io(e.error))?;
        Ok(())
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], &'static str> {
        let end = self.at.checked_add(n).ok_or("truncated")?;
        let s = self.b.get(self.at..end).ok_or("truncated")?;
        self.at = end;
        Ok(s)
    }

    fn u64(&mut self) -> Result<u64, &'static str> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().map_err(|_| "truncated")?,
        ))
    }

    fn u32(&mut self) -> Result<u32, &'static str> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().map_err(|_| "truncated")?,
        ))
    }
}
