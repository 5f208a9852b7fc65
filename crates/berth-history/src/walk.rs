//! The inputs of each walked commit's build, read from git: its Dockerfile text, its
//! `.dockerignore` and its context tree (walked by the simulator, which opens only the
//! subtrees whose id changed). The Dockerfile and `.dockerignore` are read once per blob id.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::git::{Blob, Commit, GitError, Kind, ObjectId, Range, Repo};

/// Where the build's files are, relative to the repository's top.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The context folder (`""`: the repository's root).
    pub context: String,
    /// The Dockerfile.
    pub dockerfile: String,
}

impl Layout {
    /// The layout for a context folder and Dockerfile given on the command line
    /// (relative to the current folder or absolute); both must be inside the repository
    /// at `top`, though they need not exist in the work tree.
    pub fn new(top: &Path, context: &Path, dockerfile: Option<&Path>) -> Result<Layout, String> {
        let cwd = std::env::current_dir().map_err(|e| format!("the current folder: {e}"))?;
        let top = top.canonicalize().unwrap_or_else(|_| top.to_path_buf());
        let context_abs = absolute(&cwd, context);
        let dockerfile_abs = match dockerfile {
            Some(p) => absolute(&cwd, p),
            None => context_abs.join("Dockerfile"),
        };
        let inside = |p: &Path, what: &str| -> Result<String, String> {
            let rel = p.strip_prefix(&top).map_err(|_| {
                format!(
                    "the {what} {} is outside the git repository {}",
                    p.display(),
                    top.display()
                )
            })?;
            Ok(rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/"))
        };
        Ok(Layout {
            context: inside(&context_abs, "build context")?,
            dockerfile: inside(&dockerfile_abs, "Dockerfile")?,
        })
    }

    /// The Dockerfile's path inside the context, when it is there.
    pub fn dockerfile_in_context(&self) -> Option<&str> {
        if self.context.is_empty() {
            return Some(&self.dockerfile);
        }
        self.dockerfile
            .strip_prefix(&self.context)
            .and_then(|rest| rest.strip_prefix('/'))
    }
}

/// `path` made absolute against `cwd` and cleaned of `.` and `..` (the path need not
/// exist: a context may have existed only in earlier commits). Symlinks in the existing
/// part are resolved, so the path compares with git's top folder.
fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let joined = cwd.join(path);
    let mut out = PathBuf::new();
    for part in joined.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    // Resolve the longest existing prefix (e.g. /tmp -> /private/tmp).
    let mut existing = out.clone();
    let mut rest = vec![];
    while !existing.exists() {
        match existing.file_name() {
            Some(name) => rest.push(name.to_os_string()),
            None => break,
        }
        existing.pop();
    }
    let mut resolved = existing.canonicalize().unwrap_or(existing);
    for name in rest.into_iter().rev() {
        resolved.push(name);
    }
    resolved
}

/// One walked commit, ready to simulate.
pub enum Input {
    /// The commit cannot be built: no Dockerfile or no context there.
    Skipped {
        /// The commit.
        commit: Commit,
        /// Why, for the report.
        why: String,
    },
    /// The commit's build.
    Build(Build),
}

/// What one commit's build reads.
pub struct Build {
    /// The commit.
    pub commit: Commit,
    /// The Dockerfile's bytes (shared between commits where it did not change).
    pub dockerfile: Rc<Vec<u8>>,
    /// The `.dockerignore` that applies (`<Dockerfile>.dockerignore` beside the
    /// Dockerfile wins over the context's), if any.
    pub dockerignore: Option<Rc<Vec<u8>>>,
    /// The context's tree.
    pub context: ObjectId,
    /// Whether this is the first build of the walk.
    pub first: bool,
}

/// Reads the inputs of each commit of a range, in order.
pub struct Walker<'r> {
    repo: &'r Repo,
    layout: Layout,
    blobs: HashMap<ObjectId, Rc<Vec<u8>>>,
    previous_context: Option<ObjectId>,
}

impl<'r> Walker<'r> {
    /// A walker over `repo` for the build at `layout`.
    pub fn new(repo: &'r Repo, layout: Layout) -> Walker<'r> {
        Walker {
            repo,
            layout,
            blobs: HashMap::new(),
            previous_context: None,
        }
    }

    /// The commits of `range` (first parents, oldest first).
    pub fn commits(&self, range: &Range) -> Result<Vec<Commit>, GitError> {
        self.repo.first_parent_commits(range)
    }

    /// A blob's bytes, read once per id.
    fn bytes(&mut self, blob: Blob) -> Result<Rc<Vec<u8>>, GitError> {
        if let Some(b) = self.blobs.get(&blob.id) {
            return Ok(b.clone());
        }
        let bytes = Rc::new(self.repo.blob(blob.id)?);
        self.blobs.insert(blob.id, bytes.clone());
        Ok(bytes)
    }

    /// The file at `path` of `tree`, following no symlink: `None` when absent or not a file.
    fn file(&mut self, tree: ObjectId, path: &str) -> Result<Option<Rc<Vec<u8>>>, GitError> {
        match self.repo.entry(tree, path)? {
            Some(Ok(blob)) if matches!(blob.kind, Kind::File | Kind::Executable) => {
                self.bytes(blob).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// The inputs of `commit`'s build.
    pub fn input(&mut self, commit: Commit) -> Result<Input, GitError> {
        let layout = self.layout.clone();
        let context = match self.repo.entry(commit.tree, &layout.context)? {
            Some(Err(tree)) => tree,
            _ => {
                let why = format!(
                    "no build context: `{}/` does not exist",
                    display(&layout.context)
                );
                return Ok(Input::Skipped { commit, why });
            }
        };
        let Some(dockerfile) = self.file(commit.tree, &layout.dockerfile)? else {
            let why = format!("no Dockerfile: `{}` does not exist", layout.dockerfile);
            return Ok(Input::Skipped { commit, why });
        };
        let beside = format!("{}.dockerignore", layout.dockerfile);
        let in_context = join(&layout.context, ".dockerignore");
        let dockerignore = match self.file(commit.tree, &beside)? {
            Some(b) => Some(b),
            None => self.file(commit.tree, &in_context)?,
        };
        let first = self.previous_context.is_none();
        self.previous_context = Some(context);
        Ok(Input::Build(Build {
            commit,
            dockerfile,
            dockerignore,
            context,
            first,
        }))
    }
}

fn display(context: &str) -> &str {
    if context.is_empty() {
        "."
    } else {
        context
    }
}

fn join(folder: &str, name: &str) -> String {
    if folder.is_empty() {
        name.to_string()
    } else {
        format!("{folder}/{name}")
    }
}
