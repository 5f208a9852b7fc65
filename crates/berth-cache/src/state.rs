//! What `berth cache record` remembers: the evaluation of a build and the context it was
//! evaluated against, in berth-context's state file (kind `cache`: versioned,
//! checksummed, written atomically), never inside the build context.

use std::path::{Path, PathBuf};

use berth_context::{Engine, Snapshot, StateError};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::eval::{hex, Evaluation};
use crate::Error;

/// The kind of berth-context state a cache record is.
const KIND: &str = "cache";

/// What `berth cache record` remembers about a build.
#[derive(Clone, Debug)]
pub struct State {
    /// Absolute path of the build context.
    pub context: PathBuf,
    /// The Dockerfile.
    pub dockerfile: PathBuf,
    /// The engine profile of the record.
    pub engine: Engine,
    /// The evaluation of the build.
    pub evaluation: Evaluation,
    /// The context as the engine saw it.
    pub snapshot: Snapshot,
}

/// The state file's payload: everything but the snapshot.
#[derive(Serialize, Deserialize)]
struct Payload {
    context: PathBuf,
    dockerfile: PathBuf,
    engine: String,
    evaluation: Evaluation,
}

impl State {
    /// Loads a record; the error says why it cannot be used, in a sentence meant for the
    /// user (the plan is then as for a first build).
    pub fn load(path: &Path) -> Result<State, String> {
        let state = berth_context::State::load(path, KIND).map_err(|e| match e {
            StateError::Missing { path } => format!(
                "no record at {} (run `berth cache record` after a build); planning as for a first build",
                path.display()
            ),
            other => format!("{other}; planning as for a first build (record again)"),
        })?;
        let payload: Payload = serde_json::from_slice(&state.payload).map_err(|e| {
            format!(
                "the record {} is corrupt ({e}); planning as for a first build (record again)",
                path.display()
            )
        })?;
        Ok(State {
            context: payload.context,
            dockerfile: payload.dockerfile,
            engine: payload.engine.parse().unwrap_or_default(),
            evaluation: payload.evaluation,
            snapshot: state.snapshot,
        })
    }

    /// Writes the record atomically.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let payload = Payload {
            context: self.context.clone(),
            dockerfile: self.dockerfile.clone(),
            engine: self.engine.name().to_string(),
            evaluation: self.evaluation.clone(),
        };
        let payload = serde_json::to_vec(&payload).map_err(|e| Error::State(e.to_string()))?;
        berth_context::State {
            kind: KIND.into(),
            payload,
            snapshot: self.snapshot.clone(),
        }
        .save(path)
        .map_err(|e| Error::State(e.to_string()))
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
    fn records_round_trip() {
        let state = sample();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        state.save(&path).unwrap();
        let loaded = State::load(&path).unwrap();
        assert_eq!(loaded.snapshot, state.snapshot);
        assert_eq!(loaded.context, state.context);
        assert_eq!(loaded.dockerfile, state.dockerfile);
        assert_eq!(loaded.engine, state.engine);
        assert_eq!(
            serde_json::to_string(&loaded.evaluation).unwrap(),
            serde_json::to_string(&state.evaluation).unwrap()
        );
    }

    #[test]
    fn missing_damaged_older_and_foreign_records_are_explained() {
        let dir = tempfile::tempdir().unwrap();
        let missing = State::load(&dir.path().join("none")).unwrap_err();
        assert!(missing.contains("no record"), "{missing}");
        let path = dir.path().join("state");
        sample().save(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let load = |bytes: &[u8]| {
            std::fs::write(&path, bytes).unwrap();
            State::load(&path).unwrap_err()
        };
        let why = load(&bytes[..bytes.len() / 2]);
        assert!(
            why.contains("corrupt") && why.contains("first build"),
            "{why}"
        );
        let why = load(br#"{"format":"berth-cache-state","version":1}"#);
        assert!(why.contains("older format"), "{why}");
        let why = load(b"hello");
        assert!(why.contains("not a berth cache state"), "{why}");
        let context_state = berth_context::State {
            kind: "context".into(),
            payload: Vec::new(),
            snapshot: Snapshot::default(),
        };
        let mut other = context_state;
        other.snapshot = sample().snapshot;
        other.save(&path).unwrap();
        let why = State::load(&path).unwrap_err();
        assert!(why.contains("berth context"), "{why}");
    }
}
