//! Evidence from the real build context, for berth's cache rules (BR1xx). Optional: every
//! rule works from the Dockerfile alone and quotes these numbers when they are available.
//!
//! The context is berth-context's walk of it (what a build would send, after
//! `.dockerignore`); which entries a step reads and what invalidates it are asked of
//! berth-cache (see `rules/berth/support.rs`). No file of the context is read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use berth_context::Tree;

/// The build contexts of Dockerfiles, each walked once: what `berth lint` and `berth lsp` quote
/// as cache-rule evidence. Dockerfiles of one directory share its context, unless one has its
/// own `<Dockerfile>.dockerignore`.
#[derive(Default)]
pub struct ContextCache {
    by_key: Mutex<HashMap<PathBuf, Option<Arc<BuildContext>>>>,
}

impl ContextCache {
    /// The context of the directory holding `dockerfile` (BuildKit's `docker build DIR` with
    /// the Dockerfile inside it), if it can be read.
    pub fn for_dockerfile(&self, dockerfile: &Path) -> Option<Arc<BuildContext>> {
        let dir = match dockerfile.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        self.get(&dir, Some(dockerfile))
    }

    /// The context `dir` as a build with `dockerfile` sends it (a compose service's, or the
    /// language server's configured context); an inline Dockerfile (`None`) uses
    /// `dir/.dockerignore`.
    pub fn get(&self, dir: &Path, dockerfile: Option<&Path>) -> Option<Arc<BuildContext>> {
        let mut key = dir.to_path_buf();
        if let Some(df) = dockerfile {
            let mut specific = df.as_os_str().to_owned();
            specific.push(".dockerignore");
            if Path::new(&specific).is_file() {
                key = df.to_path_buf();
            }
        }
        if let Some(hit) = self.by_key.lock().ok()?.get(&key) {
            return hit.clone();
        }
        let context = BuildContext::load(dir, dockerfile).map(Arc::new);
        self.by_key.lock().ok()?.insert(key, context.clone());
        context
    }

    /// Forgets every context (files changed on disk).
    pub fn clear(&self) {
        if let Ok(mut map) = self.by_key.lock() {
            map.clear();
        }
    }

    /// How many contexts are held.
    pub fn len(&self) -> usize {
        self.by_key.lock().map_or(0, |m| m.len())
    }

    /// Whether no context is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The files a build would send, as the linter sees them.
///
/// ```
/// use berth_lint::BuildContext;
/// let ctx = BuildContext::new("/app".into(), vec!["package.json".into(), "src/a.js".into()], true);
/// assert_eq!(ctx.tree.file_count(), 2);
/// assert!(ctx.tree.get(b"src").is_some());
/// ```
#[derive(Clone, Debug)]
pub struct BuildContext {
    /// The context directory.
    pub root: PathBuf,
    /// What the build sends: entries after `.dockerignore`, in BuildKit's key order.
    pub tree: Tree,
    /// Whether the context has a `.dockerignore`.
    pub has_dockerignore: bool,
}

impl Default for BuildContext {
    fn default() -> Self {
        BuildContext {
            root: PathBuf::new(),
            tree: Tree::from_entries(Vec::new()),
            has_dockerignore: false,
        }
    }
}

impl BuildContext {
    /// A context of regular files at these paths (relative, `/`-separated); their
    /// parent directories are implied.
    pub fn new(root: PathBuf, files: Vec<String>, has_dockerignore: bool) -> Self {
        BuildContext::from_tree(root, Tree::from_paths(files), has_dockerignore)
    }

    /// A context from a walk ([`berth_context::Context::tree`]).
    pub fn from_tree(root: PathBuf, tree: Tree, has_dockerignore: bool) -> Self {
        BuildContext {
            root,
            tree,
            has_dockerignore,
        }
    }

    /// What a build of `dir` with `dockerfile` would send: berth-context's walk (metadata
    /// only), which applies `<Dockerfile>.dockerignore` or `.dockerignore` with BuildKit's
    /// matcher. `None` when the directory cannot be read.
    pub fn load(dir: &Path, dockerfile: Option<&Path>) -> Option<BuildContext> {
        let context = berth_context::Context::open(dir, dockerfile, Default::default()).ok()?;
        let has_dockerignore = context.ignore_file().is_some();
        let tree = context.tree().ok()?;
        Some(BuildContext::from_tree(
            dir.to_path_buf(),
            tree,
            has_dockerignore,
        ))
    }

    /// The path of entry `index` of the tree, as text.
    pub fn path(&self, index: u32) -> std::borrow::Cow<'_, str> {
        self.tree.entries()[index as usize].path_lossy()
    }
}
