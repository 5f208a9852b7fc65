//! One builder replaying commits: each commit's context is an entry source of
//! berth-context's one model — the commit's git tree, filtered by berth-context's
//! `.dockerignore` filter and digested by its `digest_files` (blob ids as stamps, so a blob
//! already digested is never read again) — evaluated and compared by berth-cache exactly
//! as `berth cache plan` does, against the build before (for the causes) and a cache that
//! holds every earlier build (for the statuses).
//!
//! Git keeps only a file's execute bit and no directories of their own: the context is
//! what a fresh checkout with umask 022 gives (files 0644 or 0755, directories 0755),
//! as a CI runner builds it. Submodules are left out (`git archive` has no files for them).

use std::collections::HashMap;
use std::rc::Rc;

use berth_cache::{BuildCache, Evaluation, Options, PlannedStep};
use berth_context::{
    file_record_bytes, rescan_tree, Contents, ContextError, Digest, Entry, EntryKind, IgnoreFilter,
    Matcher, Rescan, Reuse, RootHeader, Snapshot, Stamp, Tree, Verdict,
};

use crate::git::{Blob, BlobReader, Kind, ObjectId, Repo};
use crate::walk::Build;

/// A replay failure that stops it (git cannot be read).
pub type Error = crate::git::GitError;

/// The builder of one history (the Dockerfile's, or the what-if's).
pub struct Simulator {
    opts: Options,
    /// The alternative Dockerfile and its path in the context (`--what-if`).
    replacement: Option<(Rc<Vec<u8>>, Option<String>)>,
    /// Blob sizes, read once per blob from its header.
    sizes: HashMap<ObjectId, u64>,
    /// Symlink targets, read once per blob.
    links: HashMap<ObjectId, Box<[u8]>>,
    matcher: Option<(Option<Rc<Vec<u8>>>, Matcher)>,
    previous: Option<Built>,
    cache: BuildCache,
}

/// The last build: its evaluation and context snapshot, and what the snapshot was made
/// from.
struct Built {
    eval: Evaluation,
    snapshot: Snapshot,
    /// The `.dockerignore` it was filtered with.
    dockerignore: Option<Rc<Vec<u8>>>,
    /// The git tree id of every directory the walks visited, by context path (`""`: the
    /// context itself). For every directory of `snapshot` it is the id it had there (an
    /// unvisited directory lies in a subtree whose id did not change).
    dir_ids: HashMap<Vec<u8>, ObjectId>,
}

/// Directories walked and their tree ids, by context path.
type DirIds = Vec<(Vec<u8>, ObjectId)>;

/// What one commit's build gives.
pub enum Outcome {
    /// The plan of the build.
    Built(Vec<PlannedStep>, String),
    /// The engine would refuse the build (a Dockerfile BuildKit rejects, an unknown
    /// target, a bad `.dockerignore`): why.
    Refused(String),
}

/// A blob id as a [`Stamp`] (left-aligned, zero-padded): equal ids, equal bytes.
fn object_stamp(id: &ObjectId) -> Stamp {
    let mut stamp = [0u8; 32];
    let bytes = id.as_bytes();
    let n = bytes.len().min(32);
    stamp[..n].copy_from_slice(&bytes[..n]);
    Stamp::Object(stamp)
}

/// The blob id a file entry was stamped with.
fn stamped_object(entry: &Entry) -> Option<ObjectId> {
    match entry.stamp {
        Stamp::Object(bytes) => {
            let sha1: [u8; 20] = bytes[..20].try_into().ok()?;
            Some(ObjectId::from(sha1))
        }
        _ => None,
    }
}

/// File contents for `digest_files`: the blob each file entry is stamped with, or the
/// what-if text at the Dockerfile's path.
struct CommitContents<'a> {
    reader: &'a BlobReader,
    replacement: Option<(&'a [u8], &'a [u8])>,
}

impl Contents for CommitContents<'_> {
    fn record(&self, entry: &Entry, _: &mut [u8]) -> Result<Digest, ContextError> {
        if let Some((path, text)) = self.replacement {
            if *entry.path == *path {
                return Ok(file_record_bytes(&entry.header(), text));
            }
        }
        let io = |message: String| ContextError::Io {
            path: entry.path_lossy().into_owned().into(),
            source: std::io::Error::other(message),
        };
        let id = stamped_object(entry).ok_or_else(|| io("no git blob id".into()))?;
        let bytes = self.reader.blob(id).map_err(|e| io(e.to_string()))?;
        Ok(file_record_bytes(&entry.header(), &bytes))
    }
}

/// One commit's context tree walked like a directory: depth first, siblings in key
/// order, through berth-context's `.dockerignore` filter. A directory the filter keeps
/// whose tree id is the one it had in the previous build (with the same `.dockerignore`)
/// is that build's entries again, taken from its snapshot without opening the subtree.
struct TreeWalk<'a> {
    repo: &'a Repo,
    sizes: &'a mut HashMap<ObjectId, u64>,
    links: &'a mut HashMap<ObjectId, Box<[u8]>>,
    /// The previous build, when its snapshot was filtered with the same `.dockerignore`.
    reuse: Option<&'a Built>,
    /// Tree ids of the directories visited by this walk.
    visited: DirIds,
    sent: Vec<Entry>,
}

impl TreeWalk<'_> {
    /// The entry of a blob of the tree at `path` (`None` for a submodule).
    fn entry(&mut self, path: &[u8], blob: Blob) -> Result<Option<Entry>, Error> {
        let mode = match blob.kind {
            Kind::File => 0o644,
            Kind::Executable => 0o755,
            Kind::Symlink => {
                let target = match self.links.get(&blob.id) {
                    Some(t) => t.clone(),
                    None => {
                        let t: Box<[u8]> = self.repo.blob(blob.id)?.into();
                        self.links.insert(blob.id, t.clone());
                        t
                    }
                };
                return Ok(Some(Entry::symlink(path, &target)));
            }
            Kind::Submodule => return Ok(None),
        };
        let size = match self.sizes.get(&blob.id) {
            Some(size) => *size,
            None => {
                let size = self.repo.blob_size(blob.id)?;
                self.sizes.insert(blob.id, size);
                size
            }
        };
        let mut entry = Entry::bare(path, EntryKind::File, mode);
        entry.size = size;
        entry.stamp = object_stamp(&blob.id);
        Ok(Some(entry))
    }

    /// Walks the children of directory `tree` at `path` (depth of its children: `depth`).
    fn dir(
        &mut self,
        filter: &mut IgnoreFilter<'_, Entry>,
        tree: ObjectId,
        path: &mut Vec<u8>,
        depth: usize,
    ) -> Result<Result<(), String>, Error> {
        self.visited.push((path.clone(), tree));
        let mut children = self.repo.children(tree)?;
        // Key order among siblings is by name (git sorts a tree as if named `name/`).
        children.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, item) in children {
            let len = path.len();
            if !path.is_empty() {
                path.push(b'/');
            }
            path.extend_from_slice(&name);
            let walked = match item {
                Ok(blob) => match self.entry(path, blob)? {
                    Some(entry) => filter
                        .visit(path, depth, false, entry, &mut self.sent)
                        .map(|_| ())
                        .map_err(|e| format!(".dockerignore: {e}")),
                    None => Ok(()),
                },
                Err(subtree) => self.subdir(filter, subtree, path, depth)?,
            };
            path.truncate(len);
            if walked.is_err() {
                return Ok(walked);
            }
        }
        Ok(Ok(()))
    }

    /// Visits the directory `tree` at `path`, then what is below it.
    fn subdir(
        &mut self,
        filter: &mut IgnoreFilter<'_, Entry>,
        tree: ObjectId,
        path: &mut Vec<u8>,
        depth: usize,
    ) -> Result<Result<(), String>, Error> {
        let verdict = match filter.visit(path, depth, true, Entry::dir(path, 0o755), &mut self.sent)
        {
            Ok(v) => v,
            Err(e) => return Ok(Err(format!(".dockerignore: {e}"))),
        };
        match verdict {
            Verdict::Skip => Ok(Ok(())),
            Verdict::Keep if self.splice(path, tree) => Ok(Ok(())),
            Verdict::Keep | Verdict::Hold => self.dir(filter, tree, path, depth + 1),
        }
    }

    /// Appends the previous build's entries below `path` when the directory is the same
    /// tree as then; false when it must be walked.
    fn splice(&mut self, path: &[u8], tree: ObjectId) -> bool {
        let Some(built) = self.reuse else {
            return false;
        };
        if built.dir_ids.get(path) != Some(&tree) {
            return false;
        }
        let Some(at) = built.snapshot.find(path) else {
            return false;
        };
        if built.snapshot.entries()[at].kind != EntryKind::Dir {
            return false;
        }
        let below = built.snapshot.subtree(at);
        self.sent
            .extend_from_slice(&built.snapshot.entries()[below]);
        true
    }
}

impl Simulator {
    /// A builder with an empty cache; `what_if` replaces the Dockerfile (its text, and its
    /// path in the context when the context holds it).
    pub fn new(opts: Options, what_if: Option<(Rc<Vec<u8>>, Option<String>)>) -> Simulator {
        Simulator {
            opts,
            replacement: what_if,
            sizes: HashMap::new(),
            links: HashMap::new(),
            matcher: None,
            previous: None,
            cache: BuildCache::default(),
        }
    }

    /// Makes the matcher the one of `dockerignore` (parsed again only when it changed).
    fn refresh_matcher(&mut self, dockerignore: &Option<Rc<Vec<u8>>>) -> Result<(), String> {
        let same = matches!((&self.matcher, dockerignore), (Some((old, _)), new) if old == new);
        if !same {
            let bytes = dockerignore.as_deref().map_or(&[][..], |b| b.as_slice());
            let matcher = berth_context::dockerignore_matcher(
                std::path::Path::new(".dockerignore"),
                bytes,
                self.opts.engine,
            )
            .map_err(|e| e.to_string())?;
            self.matcher = Some((dockerignore.clone(), matcher));
        }
        Ok(())
    }

    /// The snapshot of the context as the engine receives it, and the tree ids of the
    /// directories walked to make it.
    fn snapshot(
        &mut self,
        repo: &Repo,
        reader: &BlobReader,
        build: &Build,
    ) -> Result<Result<(Snapshot, DirIds), String>, Error> {
        if let Err(why) = self.refresh_matcher(&build.dockerignore) {
            return Ok(Err(why));
        }
        let Some((_, matcher)) = &self.matcher else {
            return Ok(Err("no .dockerignore matcher".into()));
        };
        let reuse = self
            .previous
            .as_ref()
            .filter(|b| b.dockerignore == build.dockerignore);
        if let Some(built) = reuse {
            if built.dir_ids.get(&b""[..]) == Some(&build.context) {
                // The same context tree and .dockerignore: the same snapshot.
                return Ok(Ok((built.snapshot.clone(), vec![])));
            }
        }
        let mut walk = TreeWalk {
            repo,
            sizes: &mut self.sizes,
            links: &mut self.links,
            reuse,
            visited: vec![],
            sent: vec![Entry::dir(b"", 0o755)],
        };
        let mut filter = IgnoreFilter::new(matcher);
        if let Err(why) = walk.dir(&mut filter, build.context, &mut Vec::new(), 1)? {
            return Ok(Err(why));
        }
        let TreeWalk {
            mut sent, visited, ..
        } = walk;
        let replacement = match &self.replacement {
            Some((text, Some(path))) => Some((path.as_bytes(), text.as_slice())),
            _ => None,
        };
        if let Some((path, text)) = replacement {
            // The alternative is committed in place of the Dockerfile: the context holds
            // its text at the Dockerfile's path, when the Dockerfile is sent at all.
            if let Some(entry) = sent.iter_mut().find(|e| *e.path == *path) {
                *entry = Entry::bare(path, EntryKind::File, 0o644);
                entry.size = text.len() as u64;
                entry.stamp = Stamp::Object(file_record_bytes(&entry.header(), text).0);
            }
        }
        let contents = CommitContents {
            reader,
            replacement,
        };
        let previous = self.previous.as_ref().map(|b| &b.snapshot);
        let rescan = rescan_tree(
            Tree::from_entries(sent),
            previous.map_or(Reuse::Nothing, Reuse::EngineView),
            RootHeader::Transfer,
            &contents,
            0,
            None,
        )
        .map_err(|e| Error::Object(build.commit.id.to_string(), e.to_string()))?;
        Ok(Ok(match (rescan, previous) {
            (Rescan::Unchanged, Some(snapshot)) => (snapshot.clone(), visited),
            (Rescan::Changed(snapshot, _), _) => (snapshot, visited),
            // Without an earlier snapshot a rescan always finds a change.
            (Rescan::Unchanged, None) => return Ok(Err("no context snapshot".into())),
        }))
    }

    /// Simulates `build` with every earlier build in the cache.
    pub fn build(
        &mut self,
        repo: &Repo,
        reader: &BlobReader,
        build: &Build,
    ) -> Result<Outcome, Error> {
        let (snapshot, visited) = match self.snapshot(repo, reader, build)? {
            Ok(s) => s,
            Err(why) => return Ok(Outcome::Refused(why)),
        };
        let text = match &self.replacement {
            Some((text, _)) => text.clone(),
            None => build.dockerfile.clone(),
        };
        let text = String::from_utf8_lossy(&text);
        let eval = match berth_cache::evaluate_text(&text, &snapshot, &self.opts) {
            Ok(e) => e,
            Err(e) => return Ok(Outcome::Refused(e.to_string())),
        };
        let plan = berth_cache::compare_with_cache(
            &eval,
            &snapshot,
            self.previous.as_ref().map(|b| (&b.eval, &b.snapshot)),
            &self.cache,
        );
        self.cache.add(&eval);
        let mut dir_ids = match self.previous.take() {
            // Ids of directories in unchanged subtrees stay valid only under the same
            // .dockerignore (otherwise every kept directory was visited again).
            Some(b) => b.dir_ids,
            None => HashMap::new(),
        };
        dir_ids.extend(visited);
        self.previous = Some(Built {
            eval,
            snapshot,
            dockerignore: build.dockerignore.clone(),
            dir_ids,
        });
        Ok(Outcome::Built(plan.steps, plan.target))
    }
}
