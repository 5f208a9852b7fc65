//! The recorded state, written atomically (temporary file + rename), never inside the
//! build context.
//!
//! Format version 2 is binary (little-endian), checked end to end by a trailing SHA-256,
//! so that loading the snapshot of a 100,000-file context costs a few milliseconds:
//! magic `BERTHCST`, version (u32), then the build as JSON (length u32, then context,
//! Dockerfile, evaluation and snapshot time: small), the entry count (u64) and per
//! entry, in path order: path length (u32), path, kind (u8: 0 file, 1 directory,
//! 2 symlink, 3 other), mode (u32), digest (32 bytes), flags (u8: 1 has a stat
//! fingerprint, 2 has a symlink target), the stat fingerprint (size u64, mtime ns i64,
//! inode u64, ctime ns i64) and the symlink target (length u32, bytes) when flagged.
//! Version 1 was one JSON document; it is recognised and reported as older.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::eval::Evaluation;
use crate::snapshot::{hex, Entry, Kind, Snapshot};
use crate::Error;

/// Version of the state format; a state of another version is not used.
pub const STATE_VERSION: u32 = 2;
const FORMAT: &str = "berth-cache-state";
const MAGIC: &[u8; 8] = b"BERTHCST";
const CHECKSUM_LEN: usize = 32;
const HAS_STAT: u8 = 1;
const HAS_LINK: u8 = 2;
/// The smallest encoded entry: path length, kind, mode, digest, flags.
const MIN_ENTRY_LEN: usize = 4 + 1 + 4 + 32 + 1;

/// What `berth cache record` remembers about a build.
#[derive(Clone, Debug)]
pub struct State {
    /// Always `berth-cache-state`.
    pub format: String,
    /// Always [`STATE_VERSION`] once loaded.
    pub version: u32,
    /// Absolute path of the build context.
    pub context: PathBuf,
    pub dockerfile: PathBuf,
    pub evaluation: Evaluation,
    pub snapshot: Snapshot,
}

/// The JSON part of the binary format: everything but the snapshot's entries.
#[derive(Serialize, Deserialize)]
struct Build<'a> {
    context: Cow<'a, Path>,
    dockerfile: Cow<'a, Path>,
    evaluation: Cow<'a, Evaluation>,
    taken_at: i64,
}

/// Just the header of a version 1 (JSON) state, to tell an older format from a
/// corrupt file.
#[derive(Deserialize)]
struct JsonHeader {
    format: Option<String>,
    version: Option<u32>,
}

fn kind_code(kind: Kind) -> u8 {
    match kind {
        Kind::File => 0,
        Kind::Dir => 1,
        Kind::Symlink => 2,
        Kind::Other => 3,
    }
}

/// Reads the fields of the binary format; every error means a corrupt file.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.bytes.len() < n {
            return Err("truncated".into());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        Ok(self.take(N)?.try_into().expect("take returns N bytes"))
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.array::<1>()?[0])
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn string(&mut self) -> Result<String, String> {
        let len = self.u32()? as usize;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| "a path is not UTF-8".to_string())
    }

    fn entry(&mut self) -> Result<(String, Entry), String> {
        let path = self.string()?;
        let kind = match self.u8()? {
            0 => Kind::File,
            1 => Kind::Dir,
            2 => Kind::Symlink,
            3 => Kind::Other,
            k => return Err(format!("unknown entry kind {k}")),
        };
        let mode = self.u32()?;
        let digest = self.array()?;
        let flags = self.u8()?;
        let stat = if flags & HAS_STAT != 0 {
            Some((
                self.u64()?,
                self.u64()? as i64,
                self.u64()?,
                self.u64()? as i64,
            ))
        } else {
            None
        };
        let link = if flags & HAS_LINK != 0 {
            Some(self.string()?)
        } else {
            None
        };
        let entry = Entry {
            kind,
            mode,
            digest,
            link,
            stat,
        };
        Ok((path, entry))
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

impl State {
    pub(crate) fn new(
        context: &Path,
        dockerfile: &Path,
        evaluation: Evaluation,
        snapshot: Snapshot,
    ) -> State {
        State {
            format: FORMAT.into(),
            version: STATE_VERSION,
            context: context.to_path_buf(),
            dockerfile: dockerfile.to_path_buf(),
            evaluation,
            snapshot,
        }
    }

    /// Loads a state; the error says why it cannot be used, in a sentence meant for the
    /// user (the plan is then as for a first build).
    pub fn load(path: &Path) -> Result<State, String> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(format!(
                    "no record at {} (run `berth cache record` after a build); planning as for a first build",
                    path.display()
                ))
            }
            Err(e) => {
                return Err(format!(
                    "cannot read the record {}: {e}; planning as for a first build",
                    path.display()
                ))
            }
        };
        let version = if bytes.starts_with(b"{") {
            match serde_json::from_slice::<JsonHeader>(&bytes) {
                Ok(JsonHeader {
                    format: Some(f),
                    version,
                }) if f == FORMAT => version.unwrap_or(0),
                Ok(_) => return Err(not_a_state(path)),
                Err(e) => return Err(corrupt(path, &e.to_string())),
            }
        } else if let Some(rest) = bytes.strip_prefix(MAGIC) {
            match rest.get(..4) {
                Some(v) => u32::from_le_bytes(v.try_into().expect("4 bytes")),
                None => return Err(corrupt(path, "truncated")),
            }
        } else {
            return Err(not_a_state(path));
        };
        if version != STATE_VERSION {
            return Err(format!(
                "the record {} has format version {version}, this berth reads version {STATE_VERSION}; planning as for a first build (record again)",
                path.display()
            ));
        }
        State::decode(&bytes).map_err(|why| corrupt(path, &why))
    }

    /// Decodes a version 2 state whose magic and version were checked.
    fn decode(bytes: &[u8]) -> Result<State, String> {
        let split = bytes.len().checked_sub(CHECKSUM_LEN).ok_or("truncated")?;
        let (body, sum) = bytes.split_at(split);
        if Sha256::digest(body).as_slice() != sum {
            return Err("checksum mismatch: truncated or edited".into());
        }
        State::decode_body(body)
    }

    fn decode_body(body: &[u8]) -> Result<State, String> {
        let mut r = Reader {
            bytes: &body[MAGIC.len() + 4..],
        };
        let json_len = r.u32()? as usize;
        let build: Build = serde_json::from_slice(r.take(json_len)?).map_err(|e| e.to_string())?;
        let count = r.u64()?;
        // Sized once (no regrowth of a 100,000-entry vector), but never beyond what the
        // remaining bytes can hold, whatever a corrupt count says.
        let mut entries = Vec::with_capacity((count as usize).min(r.bytes.len() / MIN_ENTRY_LEN));
        for _ in 0..count {
            entries.push(r.entry()?);
        }
        if !r.bytes.is_empty() {
            return Err("bytes after the last entry".into());
        }
        Ok(State {
            format: FORMAT.into(),
            version: STATE_VERSION,
            context: build.context.into_owned(),
            dockerfile: build.dockerfile.into_owned(),
            evaluation: build.evaluation.into_owned(),
            snapshot: Snapshot {
                entries: entries.into_iter().collect(),
                taken_at: build.taken_at,
            },
        })
    }

    /// The state in the binary format of version [`STATE_VERSION`].
    fn encode(&self) -> Result<Vec<u8>, Error> {
        let build = Build {
            context: Cow::Borrowed(&self.context),
            dockerfile: Cow::Borrowed(&self.dockerfile),
            evaluation: Cow::Borrowed(&self.evaluation),
            taken_at: self.snapshot.taken_at,
        };
        let json = serde_json::to_vec(&build).map_err(|e| Error::State(e.to_string()))?;
        let mut out = Vec::with_capacity(json.len() + self.snapshot.entries.len() * 112 + 64);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&STATE_VERSION.to_le_bytes());
        out.extend_from_slice(&(json.len() as u32).to_le_bytes());
        out.extend_from_slice(&json);
        out.extend_from_slice(&(self.snapshot.entries.len() as u64).to_le_bytes());
        for (path, e) in &self.snapshot.entries {
            put_str(&mut out, path);
            out.push(kind_code(e.kind));
            out.extend_from_slice(&e.mode.to_le_bytes());
            out.extend_from_slice(&e.digest);
            let flags = if e.stat.is_some() { HAS_STAT } else { 0 }
                | if e.link.is_some() { HAS_LINK } else { 0 };
            out.push(flags);
            if let Some((size, mtime, ino, ctime)) = e.stat {
                for v in [size, mtime as u64, ino, ctime as u64] {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
            if let Some(link) = &e.link {
                put_str(&mut out, link);
            }
        }
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum);
        Ok(out)
    }

    /// Writes the state atomically.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| Error::io(&dir, e))?;
        let bytes = self.encode()?;
        tmp.write_all(&bytes)
            .map_err(|e| Error::io(tmp.path(), e))?;
        tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
        tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
        Ok(())
    }
}

fn corrupt(path: &Path, why: &str) -> String {
    format!(
        "the record {} is corrupt ({why}); planning as for a first build (record again)",
        path.display()
    )
}

fn not_a_state(path: &Path) -> String {
    format!(
        "the record {} is not a berth cache state; planning as for a first build (record again)",
        path.display()
    )
}

/// The default state file of a context: under the user's cache directory
/// (`$XDG_CACHE_HOME`, else `~/.cache`), named by a digest of the context's absolute
/// path. Falls back to the system temporary directory when that would be inside the
/// context.
pub fn default_state_path(context: &Path) -> PathBuf {
    let abs = context
        .canonicalize()
        .unwrap_or_else(|_| context.to_path_buf());
    let name = format!(
        "{}.state",
        &hex(&Sha256::digest(abs.to_string_lossy().as_bytes()))[..32]
    );
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    let path = base.join("berth").join("cache-state").join(&name);
    if inside(&abs, &path) {
        return std::env::temp_dir().join("berth-cache-state").join(name);
    }
    path
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

/// Whether `path` lies inside `context` (resolving the existing part of the path).
fn inside(context: &Path, path: &Path) -> bool {
    let path = absolute(path);
    let mut existing = path.as_path();
    let mut rest = vec![];
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => break,
        }
    }
    let mut resolved = existing
        .canonicalize()
        .unwrap_or_else(|_| existing.to_path_buf());
    for part in rest.into_iter().rev() {
        resolved.push(part);
    }
    resolved.starts_with(context)
}

/// Refuses a state path inside the build context.
pub(crate) fn check_outside(context: &Path, state: &Path) -> Result<(), Error> {
    if inside(context, state) {
        return Err(Error::State(format!(
            "the state file {} is inside the build context {}: it would become part of what the build sends; choose a path outside it with --state",
            state.display(),
            context.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_detects_paths_below_the_context() {
        let ctx = tempfile::tempdir().unwrap();
        let ctx_path = ctx.path().canonicalize().unwrap();
        assert!(inside(&ctx_path, &ctx_path.join("a/b/state.json")));
        assert!(!inside(
            &ctx_path,
            &std::env::temp_dir().join("elsewhere-berth.json")
        ));
    }

    #[test]
    fn default_path_is_outside_the_context() {
        let ctx = tempfile::tempdir().unwrap();
        let p = default_state_path(ctx.path());
        assert!(!inside(&ctx.path().canonicalize().unwrap(), &p));
        assert!(p.extension().is_some_and(|e| e == "state"));
    }

    #[test]
    fn load_explains_missing_corrupt_and_older_states() {
        let dir = tempfile::tempdir().unwrap();
        let missing = State::load(&dir.path().join("none.json")).unwrap_err();
        assert!(missing.contains("no record"), "{missing}");
        let corrupt = dir.path().join("corrupt.json");
        std::fs::write(&corrupt, "{not json").unwrap();
        assert!(State::load(&corrupt).unwrap_err().contains("corrupt"));
        let older = dir.path().join("older.json");
        std::fs::write(&older, r#"{"format":"berth-cache-state","version":0}"#).unwrap();
        assert!(State::load(&older).unwrap_err().contains("version 0"));
    }

    fn sample() -> State {
        let ctx = tempfile::tempdir().unwrap();
        std::fs::create_dir(ctx.path().join("src")).unwrap();
        std::fs::write(ctx.path().join("src/a.txt"), "a").unwrap();
        std::os::unix::fs::symlink("src", ctx.path().join("link")).unwrap();
        std::fs::write(
            ctx.path().join("Dockerfile"),
            "FROM busybox\nCOPY src /src\n",
        )
        .unwrap();
        let out = tempfile::tempdir().unwrap();
        crate::record(
            ctx.path(),
            &crate::Options::default(),
            &out.path().join("state"),
        )
        .unwrap()
    }

    #[test]
    fn binary_state_round_trips() {
        let state = sample();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        state.save(&path).unwrap();
        let loaded = State::load(&path).unwrap();
        assert_eq!(loaded.snapshot, state.snapshot);
        assert_eq!(loaded.context, state.context);
        assert_eq!(loaded.dockerfile, state.dockerfile);
        assert_eq!(
            serde_json::to_string(&loaded.evaluation).unwrap(),
            serde_json::to_string(&state.evaluation).unwrap()
        );
        let kinds: Vec<Kind> = loaded.snapshot.entries.values().map(|e| e.kind).collect();
        assert!(kinds.contains(&Kind::Symlink) && kinds.contains(&Kind::Dir));
        assert!(loaded.snapshot.entries.values().any(|e| e.stat.is_some()));
    }

    #[test]
    fn truncated_edited_and_other_version_states_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        sample().save(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();

        let truncated = dir.path().join("truncated");
        std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
        let why = State::load(&truncated).unwrap_err();
        assert!(
            why.contains("corrupt") && why.contains("first build"),
            "{why}"
        );

        let mut edited = bytes.clone();
        let middle = edited.len() / 2;
        edited[middle] ^= 1;
        let edited_path = dir.path().join("edited");
        std::fs::write(&edited_path, &edited).unwrap();
        assert!(State::load(&edited_path).unwrap_err().contains("checksum"));

        let mut newer = bytes.clone();
        newer[MAGIC.len()..MAGIC.len() + 4].copy_from_slice(&9u32.to_le_bytes());
        let newer_path = dir.path().join("newer");
        std::fs::write(&newer_path, &newer).unwrap();
        let why = State::load(&newer_path).unwrap_err();
        assert!(
            why.contains("version 9") && why.contains("reads version 2"),
            "{why}"
        );

        let version1 = dir.path().join("v1.json");
        std::fs::write(
            &version1,
            r#"{"format":"berth-cache-state","version":1,"snapshot":{"entries":[]}}"#,
        )
        .unwrap();
        assert!(State::load(&version1).unwrap_err().contains("version 1"));

        let other = dir.path().join("other");
        std::fs::write(&other, "hello").unwrap();
        assert!(State::load(&other)
            .unwrap_err()
            .contains("not a berth cache state"));
    }
}
