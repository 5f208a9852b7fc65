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

/// One remembered file, decoded on demand from the record bytes.
struct Cached {
    size: u64,
    mtime_ns: i64,
    ino: u64,
    mode: u32,
    digest: Digest,
}

/// File digests from an earlier scan, in key order. The records stay in their encoded
/// form (one buffer plus an offset per record) so loading 100,000 of them costs one
/// allocation, not 100,000.
#[derive(Clone, Debug, Default)]
pub struct StatCache {
    scanned_at_ns: i64,
    records: Vec<u8>,
    offsets: Vec<usize>,
}

/// Bytes of a record after its path.
const FIXED: usize = 8 + 8 + 8 + 4 + 32;

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
    fn record(&self, i: usize) -> Cached {
        let at = self.offsets[i];
        let b = &self.records[at..];
        let len = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
        let f = &b[4 + len..4 + len + FIXED];
        let u64_at = |o: usize| u64::from_le_bytes(f[o..o + 8].try_into().unwrap_or_default());
        let mut digest = [0u8; 32];
        digest.copy_from_slice(&f[28..60]);
        Cached {
            size: u64_at(0),
            mtime_ns: u64_at(8) as i64,
            ino: u64_at(16),
            mode: u32::from_le_bytes(f[24..28].try_into().unwrap_or_default()),
            digest: Digest(digest),
        }
    }

    fn path_at(&self, i: usize) -> &[u8] {
        let at = self.offsets[i];
        let b = &self.records[at..];
        let len = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
        &b[4..4 + len]
    }

    /// The cached digest for a file entry whose metadata is unchanged.
    pub fn lookup(&self, entry: &Entry) -> Option<Digest> {
        let (mut lo, mut hi) = (0, self.offsets.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match key_cmp(self.path_at(mid), &entry.path) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return self.fresh(&self.record(mid), entry),
            }
        }
        None
    }

    /// Look up entries presented in key order: `cursor` carries the position between
    /// calls, so a whole snapshot is matched in one linear pass.
    pub fn lookup_sorted(&self, entry: &Entry, cursor: &mut usize) -> Option<Digest> {
        while *cursor < self.offsets.len() && key_cmp(self.path_at(*cursor), &entry.path).is_lt() {
            *cursor += 1;
        }
        if *cursor >= self.offsets.len() || self.path_at(*cursor) != &*entry.path {
            return None;
        }
        self.fresh(&self.record(*cursor), entry)
    }

    fn fresh(&self, c: &Cached, entry: &Entry) -> Option<Digest> {
        let same = c.size == entry.size
            && c.mtime_ns == entry.mtime_ns
            && c.ino == entry.ino
            && c.mode == entry.mode
            && c.mtime_ns < self.scanned_at_ns - RACY_MARGIN_NS;
        same.then_some(c.digest)
    }

    /// Number of remembered files.
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    /// Remember every regular file of `snapshot`, scanned starting at `scanned_at_ns`.
    pub fn from_snapshot(snapshot: &Snapshot, scanned_at_ns: i64) -> StatCache {
        let mut records = Vec::new();
        let mut offsets = Vec::new();
        for e in snapshot
            .entries()
            .iter()
            .filter(|e| e.kind == EntryKind::File)
        {
            offsets.push(records.len());
            records.extend_from_slice(&(e.path.len() as u32).to_le_bytes());
            records.extend_from_slice(&e.path);
            records.extend_from_slice(&e.size.to_le_bytes());
            records.extend_from_slice(&(e.mtime_ns as u64).to_le_bytes());
            records.extend_from_slice(&e.ino.to_le_bytes());
            records.extend_from_slice(&e.mode.to_le_bytes());
            records.extend_from_slice(&e.digest.0);
        }
        StatCache {
            scanned_at_ns,
            records,
            offsets,
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
        Self::decode(bytes)
            .map(Some)
            .map_err(|reason| StateError::Corrupt {
                path: path.display().to_string(),
                reason,
            })
    }

    fn decode(mut bytes: Vec<u8>) -> Result<StatCache, &'static str> {
        const HEAD: usize = 8 + 8 + 8;
        if bytes.len() < HEAD + 32 || &bytes[..8] != MAGIC {
            return Err("not a berth stat cache");
        }
        let body_len = bytes.len() - 32;
        if Sha256::digest(&bytes[..body_len]).as_slice() != &bytes[body_len..] {
            return Err("checksum mismatch");
        }
        let mut r = Reader {
            b: &bytes[..body_len],
            at: 8,
        };
        let scanned_at_ns = r.u64()? as i64;
        let count = r.u64()?;
        let mut offsets = Vec::with_capacity(count.min(1 << 24) as usize);
        for _ in 0..count {
            offsets.push(r.at - HEAD);
            let len = r.u32()? as usize;
            r.take(len)?;
            r.take(FIXED)?;
        }
        if r.at != body_len {
            return Err("trailing bytes");
        }
        bytes.truncate(body_len);
        bytes.drain(..HEAD);
        let cache = StatCache {
            scanned_at_ns,
            records: bytes,
            offsets,
        };
        if !(1..cache.len()).all(|i| key_cmp(cache.path_at(i - 1), cache.path_at(i)).is_lt()) {
            return Err("entries out of order");
        }
        Ok(cache)
    }

    /// Write the state file atomically (temporary file in the same directory, then
    /// rename), so a reader never sees a half-written cache. There is no fsync: after a
    /// crash the trailing checksum exposes a torn file, which is then ignored.
    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        let io = |source| StateError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut head = Vec::with_capacity(24);
        head.extend_from_slice(MAGIC);
        head.extend_from_slice(&(self.scanned_at_ns as u64).to_le_bytes());
        head.extend_from_slice(&(self.offsets.len() as u64).to_le_bytes());
        let mut sum = Sha256::new();
        sum.update(&head);
        sum.update(&self.records);
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        let mut out = std::io::BufWriter::new(tmp.as_file_mut());
        out.write_all(&head).map_err(io)?;
        out.write_all(&self.records).map_err(io)?;
        out.write_all(&sum.finalize()).map_err(io)?;
        out.flush().map_err(io)?;
        drop(out);
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
