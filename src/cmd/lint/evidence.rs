//! The build context a Dockerfile's cache rules quote as evidence: the files a build of the
//! Dockerfile's directory would send. Computed once per directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use berth_lint::BuildContext;

/// Contexts are large walks; stop counting beyond this many files (evidence then says "at
/// least").
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
        if let Some(hit) = self.by_dir.lock().ok()?.get(&dir) {
            return hit.clone();
        }
        let context = load(&dir).map(Arc::new);
        self.by_dir.lock().ok()?.insert(dir, context.clone());
        context
    }
}

fn load(dir: &Path) -> Option<BuildContext> {
    if !dir.is_dir() {
        return None;
    }
    let has_dockerignore = dir.join(".dockerignore").is_file();
    if has_dockerignore {
        // Which files a .dockerignore excludes needs BuildKit's matcher (berth-context);
        // without it the counts would be wrong, so give no evidence.
        return None;
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).follow_links(false) {
        let Ok(entry) = entry else { continue };
        if entry.file_type().is_dir() {
            continue;
        }
        if let Ok(rel) = entry.path().strip_prefix(dir) {
            files.push(rel.to_string_lossy().replace('\\', "/"));
        }
        if files.len() >= MAX_FILES {
            break;
        }
    }
    Some(BuildContext::new(
        dir.to_path_buf(),
        files,
        has_dockerignore,
    ))
}
