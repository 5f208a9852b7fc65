//! The recorded state: versioned JSON, written atomically (temporary file + rename),
//! never inside the build context.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::eval::Evaluation;
use crate::snapshot::{hex, Snapshot};
use crate::Error;

/// Version of the state format; a state of another version is not used.
pub const STATE_VERSION: u32 = 1;
const FORMAT: &str = "berth-cache-state";

/// What `berth cache record` remembers about a build.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct State {
    pub format: String,
    pub version: u32,
    /// Absolute path of the build context.
    pub context: PathBuf,
    pub dockerfile: PathBuf,
    pub evaluation: Evaluation,
    pub snapshot: Snapshot,
}

/// Just the header, to tell an older format from a corrupt file.
#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    version: Option<u32>,
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
        match serde_json::from_slice::<Header>(&bytes) {
            Ok(Header {
                format: Some(f),
                version: Some(v),
            }) if f == FORMAT && v != STATE_VERSION => {
                return Err(format!(
                    "the record {} has format version {v}, this berth reads version {STATE_VERSION}; planning as for a first build (record again)",
                    path.display()
                ))
            }
            Ok(_) => {}
            Err(e) => {
                return Err(format!(
                    "the record {} is corrupt ({e}); planning as for a first build (record again)",
                    path.display()
                ))
            }
        }
        serde_json::from_slice::<State>(&bytes)
            .ok()
            .filter(|s| s.format == FORMAT)
            .ok_or_else(|| {
                format!(
                    "the record {} is not a berth cache state; planning as for a first build (record again)",
                    path.display()
                )
            })
    }

    /// Writes the state atomically.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| Error::io(&dir, e))?;
        let json = serde_json::to_vec(self).map_err(|e| Error::State(e.to_string()))?;
        tmp.write_all(&json).map_err(|e| Error::io(tmp.path(), e))?;
        tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
        tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
        Ok(())
    }
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
        "{}.json",
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
        assert!(p.extension().is_some_and(|e| e == "json"));
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
}
