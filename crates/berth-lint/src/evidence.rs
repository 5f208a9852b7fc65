//! Evidence from the real build context, for berth's cache rules (BR1xx). Optional: every
//! rule works from the Dockerfile alone and quotes these numbers when they are available.
//!
//! The context is berth-context's walk of it (what a build would send, after
//! `.dockerignore`); which entries a step reads and what invalidates it are asked of
//! berth-cache (see `rules/berth/support.rs`). No file of the context is read.

use std::path::PathBuf;

use berth_context::Tree;

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

    /// The path of entry `index` of the tree, as text.
    pub fn path(&self, index: u32) -> std::borrow::Cow<'_, str> {
        self.tree.entries()[index as usize].path_lossy()
    }
}
