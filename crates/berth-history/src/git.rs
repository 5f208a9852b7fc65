//! Reading a git repository in-process (gix): first-parent commits, trees, the changes
//! between two trees, and blobs.
//!
//! Git stores what a build context needs as content-addressed objects: a blob id names a
//! file's bytes, a tree id names a whole directory. Two commits whose context trees share
//! a subtree id share everything under it, so [`Repo::changes`] never opens a subtree whose
//! id did not change, and a blob is read only when its id was never seen.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use gix::bstr::ByteSlice;
pub use gix::ObjectId;

/// Errors of the git layer.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// No repository at or above the folder.
    #[error("{0} is not inside a git repository (berth cache history reads its commits): {1}")]
    NotARepository(PathBuf, String),
    /// A revision that does not name a commit.
    #[error("`{0}` does not name a commit of this repository: {1}")]
    BadRevision(String, String),
    /// A repository without a work tree (bare).
    #[error("{0} is a bare repository: run berth cache history in a clone with a work tree")]
    Bare(PathBuf),
    /// An object that cannot be read.
    #[error("git object {0}: {1}")]
    Object(String, String),
}

/// What a tree entry holds, as far as a build context cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A regular file (mode 100644).
    File,
    /// An executable file (mode 100755).
    Executable,
    /// A symbolic link (the blob holds its target).
    Symlink,
    /// A submodule's commit: never part of a build context (git stores no files for it).
    Submodule,
}

/// A non-tree entry of a tree: what it is and which object holds its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Blob {
    /// File, executable, symlink or submodule.
    pub kind: Kind,
    /// The blob's object id.
    pub id: ObjectId,
}

/// One commit of a walk.
#[derive(Clone, Debug)]
pub struct Commit {
    /// The commit id.
    pub id: ObjectId,
    /// The first line of its message.
    pub subject: String,
    /// Its root tree.
    pub tree: ObjectId,
    /// How many parents it has (2 or more: a merge).
    pub parents: usize,
}

/// A path whose entry differs between two trees (files, executables, symlinks and
/// submodules; directories appear only through the paths under them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// `/`-separated path relative to the trees compared.
    pub path: Vec<u8>,
    /// The entry before, if any.
    pub old: Option<Blob>,
    /// The entry after, if any.
    pub new: Option<Blob>,
}

/// Which commits to walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Range {
    /// Every first-parent commit of HEAD.
    All,
    /// The last N first-parent commits of HEAD.
    Last(usize),
    /// `A..B`: first-parent commits of B not reachable from A (git's meaning); an empty
    /// side means HEAD.
    Between(String, String),
}

impl Range {
    /// Reads `A..B` (either side may be empty: HEAD).
    pub fn parse(text: &str) -> Option<Range> {
        let (from, to) = text.split_once("..")?;
        if to.starts_with('.') {
            return None; // `A...B` (symmetric difference) is not a first-parent range
        }
        Some(Range::Between(from.to_string(), to.to_string()))
    }
}

/// What a tree entry holds: a blob, or `Err(tree id)` for a subtree.
pub type TreeChild = Result<Blob, ObjectId>;

/// An open repository.
pub struct Repo {
    repo: gix::Repository,
    top: PathBuf,
}

/// A decoded tree entry, owned (trees are read one at a time and released).
struct TreeItem {
    name: Vec<u8>,
    /// `None` for a subtree.
    blob: Option<Blob>,
    id: ObjectId,
}

impl TreeItem {
    /// Git's order of tree entries: by name, a tree's name as if it ended in `/`.
    fn sort_key(&self) -> impl Iterator<Item = u8> + '_ {
        let slash = self.blob.is_none().then_some(b'/');
        self.name.iter().copied().chain(slash)
    }
}

fn object_error(id: impl std::fmt::Display, e: impl std::fmt::Display) -> GitError {
    GitError::Object(id.to_string(), e.to_string())
}

impl Repo {
    /// The repository holding `dir`, and its work tree's root.
    pub fn discover(dir: &Path) -> Result<Repo, GitError> {
        let mut repo = gix::discover(dir)
            .map_err(|e| GitError::NotARepository(dir.to_path_buf(), e.to_string()))?;
        let top = repo
            .workdir()
            .ok_or_else(|| GitError::Bare(dir.to_path_buf()))?
            .to_path_buf();
        // Trees near the root are read for every commit: keep recent objects decoded.
        repo.object_cache_size_if_unset(16 * 1024 * 1024);
        Ok(Repo { repo, top })
    }

    /// The work tree's root.
    pub fn top(&self) -> &Path {
        &self.top
    }

    fn commit_id(&self, spec: &str) -> Result<ObjectId, GitError> {
        let spec = if spec.is_empty() { "HEAD" } else { spec };
        let bad = |e: &dyn std::fmt::Display| GitError::BadRevision(spec.into(), e.to_string());
        let id = self
            .repo
            .rev_parse_single(spec)
            .map_err(|e| bad(&e))?
            .object()
            .map_err(|e| bad(&e))?
            .peel_to_commit()
            .map_err(|e| bad(&e))?
            .id;
        Ok(id)
    }

    /// The commits of `range` along first parents, oldest first.
    pub fn first_parent_commits(&self, range: &Range) -> Result<Vec<Commit>, GitError> {
        let (tip, hidden, limit) = match range {
            Range::All => (self.commit_id("HEAD")?, HashSet::new(), usize::MAX),
            Range::Last(n) => (self.commit_id("HEAD")?, HashSet::new(), *n),
            Range::Between(from, to) => {
                let from = self.commit_id(from)?;
                (self.commit_id(to)?, self.reachable(from)?, usize::MAX)
            }
        };
        let mut out = vec![];
        let mut next = Some(tip);
        while let Some(id) = next {
            if out.len() == limit || hidden.contains(&id) {
                break;
            }
            let commit = self.repo.find_commit(id).map_err(|e| object_error(id, e))?;
            let decoded = commit.decode().map_err(|e| object_error(id, e))?;
            let subject = decoded.message_summary().to_str_lossy().into_owned();
            let parents: Vec<ObjectId> = decoded.parents().collect();
            out.push(Commit {
                id,
                subject,
                tree: decoded.tree(),
                parents: parents.len(),
            });
            next = parents.first().copied();
        }
        out.reverse();
        Ok(out)
    }

    /// Every commit reachable from `tip` (all parents).
    fn reachable(&self, tip: ObjectId) -> Result<HashSet<ObjectId>, GitError> {
        let mut seen = HashSet::new();
        let mut stack = vec![tip];
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            let commit = self.repo.find_commit(id).map_err(|e| object_error(id, e))?;
            let decoded = commit.decode().map_err(|e| object_error(id, e))?;
            stack.extend(decoded.parents().filter(|p| !seen.contains(p)));
        }
        Ok(seen)
    }

    fn items(&self, tree: ObjectId) -> Result<Vec<TreeItem>, GitError> {
        let tree_obj = self
            .repo
            .find_tree(tree)
            .map_err(|e| object_error(tree, e))?;
        let decoded = tree_obj.decode().map_err(|e| object_error(tree, e))?;
        Ok(decoded
            .entries
            .iter()
            .map(|e| {
                use gix::object::tree::EntryKind as K;
                let kind = match e.mode.kind() {
                    K::Tree => None,
                    K::Blob => Some(Kind::File),
                    K::BlobExecutable => Some(Kind::Executable),
                    K::Link => Some(Kind::Symlink),
                    K::Commit => Some(Kind::Submodule),
                };
                TreeItem {
                    name: e.filename.to_vec(),
                    blob: kind.map(|kind| Blob {
                        kind,
                        id: e.oid.to_owned(),
                    }),
                    id: e.oid.to_owned(),
                }
            })
            .collect())
    }

    /// The entry at `path` (`/`-separated) of `tree`: `Ok(None)` when there is none;
    /// `Some(Err(tree id))` for a directory.
    pub fn entry(
        &self,
        tree: ObjectId,
        path: &str,
    ) -> Result<Option<Result<Blob, ObjectId>>, GitError> {
        let mut current = tree;
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        if parts.is_empty() {
            return Ok(Some(Err(tree)));
        }
        for (i, part) in parts.iter().enumerate() {
            let items = self.items(current)?;
            let Some(item) = items.into_iter().find(|it| it.name == part.as_bytes()) else {
                return Ok(None);
            };
            match item.blob {
                Some(blob) if i + 1 == parts.len() => return Ok(Some(Ok(blob))),
                Some(_) => return Ok(None), // a file where a directory was expected
                None if i + 1 == parts.len() => return Ok(Some(Err(item.id))),
                None => current = item.id,
            }
        }
        Ok(None)
    }

    /// Every non-tree entry under `tree`, recursively, paths relative to it, in git's order.
    pub fn list(&self, tree: ObjectId) -> Result<Vec<(Vec<u8>, Blob)>, GitError> {
        let mut out = vec![];
        self.list_into(tree, &mut Vec::new(), &mut out)?;
        Ok(out)
    }

    fn list_into(
        &self,
        tree: ObjectId,
        prefix: &mut Vec<u8>,
        out: &mut Vec<(Vec<u8>, Blob)>,
    ) -> Result<(), GitError> {
        for item in self.items(tree)? {
            let len = prefix.len();
            if !prefix.is_empty() {
                prefix.push(b'/');
            }
            prefix.extend_from_slice(&item.name);
            match item.blob {
                Some(blob) => out.push((prefix.clone(), blob)),
                None => self.list_into(item.id, prefix, out)?,
            }
            prefix.truncate(len);
        }
        Ok(())
    }

    /// The paths whose entries differ between two trees (`None`: an empty tree), in git's
    /// order; subtrees with the same id on both sides are never opened.
    pub fn changes(
        &self,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
    ) -> Result<Vec<Change>, GitError> {
        let mut out = vec![];
        self.changes_into(old, new, &mut Vec::new(), &mut out)?;
        Ok(out)
    }

    fn changes_into(
        &self,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
        prefix: &mut Vec<u8>,
        out: &mut Vec<Change>,
    ) -> Result<(), GitError> {
        if old == new {
            return Ok(());
        }
        let olds = match old {
            Some(t) => self.items(t)?,
            None => vec![],
        };
        let news = match new {
            Some(t) => self.items(t)?,
            None => vec![],
        };
        let (mut i, mut j) = (0, 0);
        while i < olds.len() || j < news.len() {
            let order = match (olds.get(i), news.get(j)) {
                (Some(a), Some(b)) => a.sort_key().cmp(b.sort_key()),
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            let (a, b) = match order {
                std::cmp::Ordering::Less => {
                    i += 1;
                    (Some(&olds[i - 1]), None)
                }
                std::cmp::Ordering::Greater => {
                    j += 1;
                    (None, Some(&news[j - 1]))
                }
                std::cmp::Ordering::Equal => {
                    i += 1;
                    j += 1;
                    (Some(&olds[i - 1]), Some(&news[j - 1]))
                }
            };
            if let (Some(a), Some(b)) = (a, b) {
                if a.id == b.id && a.blob.map(|x| x.kind) == b.blob.map(|x| x.kind) {
                    continue;
                }
            }
            let Some(name) = a.or(b).map(|x| &x.name) else {
                continue; // not reached: the loop runs while either side has entries
            };
            let len = prefix.len();
            if !prefix.is_empty() {
                prefix.push(b'/');
            }
            prefix.extend_from_slice(name);
            let old_tree = a.filter(|x| x.blob.is_none()).map(|x| x.id);
            let new_tree = b.filter(|x| x.blob.is_none()).map(|x| x.id);
            if old_tree.is_some() || new_tree.is_some() {
                self.changes_into(old_tree, new_tree, prefix, out)?;
            }
            let old_blob = a.and_then(|x| x.blob);
            let new_blob = b.and_then(|x| x.blob);
            if old_blob.is_some() || new_blob.is_some() {
                out.push(Change {
                    path: prefix.clone(),
                    old: old_blob,
                    new: new_blob,
                });
            }
            prefix.truncate(len);
        }
        Ok(())
    }

    /// A blob's bytes.
    pub fn blob(&self, id: ObjectId) -> Result<Vec<u8>, GitError> {
        let blob = self.repo.find_blob(id).map_err(|e| object_error(id, e))?;
        Ok(blob.data.clone())
    }

    /// The entries of `tree` itself (not recursive), in git's order: each name with its
    /// blob, or `Err(tree id)` for a subtree.
    pub fn children(&self, tree: ObjectId) -> Result<Vec<(Vec<u8>, TreeChild)>, GitError> {
        Ok(self
            .items(tree)?
            .into_iter()
            .map(|item| (item.name, item.blob.ok_or(item.id)))
            .collect())
    }

    /// A blob's size, from the object's header (its bytes are not read).
    pub fn blob_size(&self, id: ObjectId) -> Result<u64, GitError> {
        let header = self.repo.find_header(id).map_err(|e| object_error(id, e))?;
        Ok(header.size())
    }

    /// A reader of blobs that threads can share (the context digests files in parallel).
    pub fn blob_reader(&self) -> BlobReader {
        BlobReader {
            repo: self.repo.clone().into_sync(),
        }
    }
}

/// Reads blobs from any thread: each read opens a thread-local handle on the shared
/// object store.
pub struct BlobReader {
    repo: gix::ThreadSafeRepository,
}

impl BlobReader {
    /// A blob's bytes.
    pub fn blob(&self, id: ObjectId) -> Result<Vec<u8>, GitError> {
        let repo = self.repo.to_thread_local();
        let blob = repo.find_blob(id).map_err(|e| object_error(id, e))?;
        Ok(blob.data.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn commit(dir: &Path, message: &str) -> String {
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
        git(dir, &["rev-parse", "HEAD"])
    }

    #[test]
    fn walks_first_parents_and_diffs_trees_as_git_does() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q", "-b", "main"]);
        std::fs::create_dir_all(dir.join("src/deep")).unwrap();
        std::fs::write(dir.join("src/a.js"), "a").unwrap();
        std::fs::write(dir.join("src/deep/b.js"), "b").unwrap();
        std::fs::write(dir.join("src.txt"), "sorts between src and src/").unwrap();
        let first = commit(dir, "first\n\nbody");
        git(dir, &["checkout", "-q", "-b", "side"]);
        std::fs::write(dir.join("side.txt"), "s").unwrap();
        commit(dir, "side");
        git(dir, &["checkout", "-q", "main"]);
        std::fs::write(dir.join("src/a.js"), "a2").unwrap();
        std::fs::remove_file(dir.join("src/deep/b.js")).unwrap();
        std::os::unix::fs::symlink("a.js", dir.join("src/link")).unwrap();
        let second = commit(dir, "second");
        git(dir, &["merge", "-q", "--no-ff", "side", "-m", "merge side"]);
        let merge = git(dir, &["rev-parse", "HEAD"]);

        let repo = Repo::discover(&dir.join("src")).unwrap();
        let commits = repo.first_parent_commits(&Range::All).unwrap();
        let ids: Vec<String> = commits.iter().map(|c| c.id.to_string()).collect();
        assert_eq!(ids, [first.clone(), second.clone(), merge.clone()]);
        assert_eq!(commits[0].subject, "first");
        assert_eq!(commits[2].parents, 2);
        let last = repo.first_parent_commits(&Range::Last(2)).unwrap();
        assert_eq!(last.len(), 2);
        let between = repo
            .first_parent_commits(&Range::parse(&format!("{first}..")).unwrap())
            .unwrap();
        assert_eq!(between.len(), 2);
        assert!(repo
            .first_parent_commits(&Range::parse("nope..HEAD").unwrap())
            .is_err());

        let changes = repo
            .changes(Some(commits[0].tree), Some(commits[1].tree))
            .unwrap();
        let paths: Vec<&str> = changes.iter().map(|c| c.path.to_str().unwrap()).collect();
        assert_eq!(paths, ["src/a.js", "src/deep/b.js", "src/link"]);
        assert!(changes[1].new.is_none());
        assert_eq!(changes[2].new.unwrap().kind, Kind::Symlink);
        assert_eq!(repo.blob(changes[2].new.unwrap().id).unwrap(), b"a.js");
        // The git CLI agrees on the listing.
        let listed: Vec<String> = repo
            .list(commits[2].tree)
            .unwrap()
            .into_iter()
            .map(|(p, _)| String::from_utf8(p).unwrap())
            .collect();
        let cli = git(dir, &["ls-tree", "-r", "--name-only", &merge]);
        assert_eq!(listed, cli.lines().collect::<Vec<_>>());
        match repo.entry(commits[0].tree, "src/deep").unwrap() {
            Some(Err(_)) => {}
            other => panic!("src/deep is a directory: {other:?}"),
        }
        assert!(repo.entry(commits[1].tree, "src/deep").unwrap().is_none());
        assert!(repo.entry(commits[0].tree, "src.txt/x").unwrap().is_none());
    }
}
