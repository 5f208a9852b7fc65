//! The build context a Dockerfile's cache rules quote as evidence: the files a build of the
//! Dockerfile's directory would send. Computed once per directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use berth_lint::BuildContext;

/// Contexts are large walks; keep at most this many paths.
const MAX_FILES: usize = 200_000;

#[derive(Default)]
pub(crate) struct Cache {
    by_dir: Mutex<HashMap<PathBuf, Option<Arc<BuildContext>>>>,
}

impl Cache {
    /// The context of the directory holding `dockerfile`, if it can be read.
    pub(crate) fn for_dockerfile(&self, dockerfile: &Path) -> Option<Arc<BuildContext>> {
        let dir = match dockerfile.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        // Dockerfiles of one directory share its context, unless one has its own
        // `<Dockerfile>.dockerignore`.
        let mut specific = dockerfile.as_os_str().to_owned();
        specific.push(".dockerignore");
        let key = if Path::new(&specific).is_file() {
            dockerfile.to_path_buf()
        } else {
            dir.clone()
        };
        if let Some(hit) = self.by_dir.lock().ok()?.get(&key) {
            return hit.clone();
        }
        let context = load(&dir, Some(dockerfile)).map(Arc::new);
        self.by_dir.lock().ok()?.insert(key, context.clone());
        context
    }

    /// The context `dir` as a build with `dockerfile` (a compose service's) sends it; an
    /// inline Dockerfile (`None`) uses `dir/.dockerignore`.
    pub(crate) fn for_context(
        &self,
        dir: &Path,
        dockerfile: Option<&Path>,
    ) -> Option<Arc<BuildContext>> {
        let mut key = dir.to_path_buf();
        if let Some(df) = dockerfile {
            let mut specific = df.as_os_str().to_owned();
            specific.push(".dockerignore");
            if Path::new(&specific).is_file() {
                key = df.to_path_buf();
            }
        }
        if let Some(hit) = self.by_dir.lock().ok()?.get(&key) {
            return hit.clone();
        }
        let context = load(dir, dockerfile).map(Arc::new);
        self.by_dir.lock().ok()?.insert(key, context.clone());
        context
    }
}

/// The files a build of `dir` with `dockerfile` would send: berth-context's walk, which
/// applies `<Dockerfile>.dockerignore` or `.dockerignore` with BuildKit's matcher.
fn load(dir: &Path, dockerfile: Option<&Path>) -> Option<BuildContext> {
    let context = berth_context::Context::open(dir, dockerfile, Default::default()).ok()?;
    let has_dockerignore = context.ignore_file().is_some();
    let entries = context.walk().ok()?;
    let files: Vec<String> = entries
        .iter()
        .filter(|e| e.kind != berth_context::EntryKind::Dir)
        .take(MAX_FILES)
        .map(|e| e.path_lossy().into_owned())
        .collect();
    Some(BuildContext::new(
        dir.to_path_buf(),
        files,
        has_dockerignore,
    ))
}
