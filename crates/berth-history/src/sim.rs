//! One builder replaying commits: the context of each commit as a snapshot of the cache
//! model, built from its git tree, evaluated and compared by berth-cache exactly as `berth
//! cache plan` does, against the build before (for the causes) and a cache that holds
//! every earlier build (for the statuses).
//!
//! Git keeps only a file's execute bit and no directories of their own: the context is
//! what a fresh checkout with umask 022 gives (files 0644 or 0755, directories 0755),
//! as a CI runner builds it. Submodules are left out (`git archive` has no files for them).

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use berth_cache::{
    entry_digest, BuildCache, Entry, Evaluation, Kind as EntryKind, Options, PlannedStep, Snapshot,
};
use berth_context::Matcher;

use crate::git::{Blob, Kind, ObjectId, Repo};
use crate::walk::Build;

/// A replay failure that stops it (git cannot be read).
pub type Error = crate::git::GitError;

/// The builder of one history (the Dockerfile's, or the what-if's).
pub struct Simulator {
    opts: Options,
    /// The alternative Dockerfile and its path in the context (`--what-if`).
    replacement: Option<(Rc<Vec<u8>>, Option<String>)>,
    /// The context tree's entries, ignored ones too, kept up to date commit by commit.
    tree: BTreeMap<Vec<u8>, Blob>,
    /// What of it the engine's walk sends under the current `.dockerignore`.
    sent: Sent,
    /// Digest of each (blob, kind) seen: a blob is read once.
    digests: HashMap<(ObjectId, Kind), (u64, [u8; 32])>,
    matcher: Option<(Option<Rc<Vec<u8>>>, Matcher)>,
    previous: Option<(Evaluation, Snapshot)>,
    cache: BuildCache,
}

/// What one commit's build gives.
pub enum Outcome {
    /// The plan of the build.
    Built(Vec<PlannedStep>, String),
    /// The engine would refuse the build (a Dockerfile BuildKit rejects, an unknown
    /// target, a bad `.dockerignore`): why.
    Refused(String),
}

impl Simulator {
    /// A builder with an empty cache; `what_if` replaces the Dockerfile (its text, and its
    /// path in the context when the context holds it).
    pub fn new(opts: Options, what_if: Option<(Rc<Vec<u8>>, Option<String>)>) -> Simulator {
        Simulator {
            opts,
            replacement: what_if,
            tree: BTreeMap::new(),
            sent: Sent::default(),
            digests: HashMap::new(),
            matcher: None,
            previous: None,
            cache: BuildCache::default(),
        }
    }

    /// Makes the matcher the one of `dockerignore` (parsed again only when it changed);
    /// true when it changed.
    fn refresh_matcher(&mut self, dockerignore: &Option<Rc<Vec<u8>>>) -> Result<bool, String> {
        let same = matches!((&self.matcher, dockerignore), (Some((old, _)), new) if old == new);
        if !same {
            let patterns: Vec<Vec<u8>> = dockerignore
                .as_deref()
                .map(|b| {
                    berth_context::parse_dockerignore(b)
                        .into_iter()
                        .map(|(_, p)| p)
                        .collect()
                })
                .unwrap_or_default();
            let matcher = Matcher::new(patterns).map_err(|e| format!(".dockerignore: {e}"))?;
            self.matcher = Some((dockerignore.clone(), matcher));
        }
        Ok(!same)
    }

    fn entry(&mut self, repo: &Repo, blob: Blob) -> Result<Option<Entry>, Error> {
        let (mode, kind) = match blob.kind {
            Kind::File => (0o644, EntryKind::File),
            Kind::Executable => (0o755, EntryKind::File),
            Kind::Symlink => (0o777, EntryKind::Symlink),
            Kind::Submodule => return Ok(None),
        };
        if kind == EntryKind::Symlink {
            let target = String::from_utf8_lossy(&repo.blob(blob.id)?).into_owned();
            return Ok(Some(Entry {
                kind,
                mode,
                digest: entry_digest(kind, mode, 0, &target, b""),
                link: Some(target),
                stat: None,
            }));
        }
        let digest = match self.digests.get(&(blob.id, blob.kind)) {
            Some((_, d)) => *d,
            None => {
                let bytes = repo.blob(blob.id)?;
                let d = entry_digest(kind, mode, bytes.len() as u64, "", &bytes);
                self.digests
                    .insert((blob.id, blob.kind), (bytes.len() as u64, d));
                d
            }
        };
        Ok(Some(Entry {
            kind,
            mode,
            digest,
            link: None,
            stat: None,
        }))
    }

    /// The snapshot of the context as the engine receives it, after `build.changes`.
    fn snapshot(&mut self, repo: &Repo, build: &Build) -> Result<Result<Snapshot, String>, Error> {
        let changed_ignore = match self.refresh_matcher(&build.dockerignore) {
            Ok(changed) => changed,
            Err(why) => return Ok(Err(why)),
        };
        let Some((_, matcher)) = &self.matcher else {
            return Ok(Err("no .dockerignore matcher".into()));
        };
        let updated = if changed_ignore {
            // Another .dockerignore: every path is matched again.
            for change in &build.changes {
                match change.new {
                    Some(blob) => self.tree.insert(change.path.clone(), blob),
                    None => self.tree.remove(&change.path),
                };
            }
            self.sent.reset(&self.tree, matcher)
        } else {
            // The same .dockerignore: only the changed paths are matched.
            build.changes.iter().try_for_each(|change| {
                if self.tree.remove(&change.path).is_some() {
                    self.sent.remove(&change.path);
                }
                match change.new {
                    Some(blob) => {
                        self.tree.insert(change.path.clone(), blob);
                        self.sent.insert(&change.path, blob, matcher)
                    }
                    None => Ok(()),
                }
            })
        };
        if let Err(e) = updated {
            return Ok(Err(format!(".dockerignore: {e}")));
        }
        let sent: Vec<(Vec<u8>, Blob)> = self
            .sent
            .files
            .iter()
            .map(|(p, b)| (p.clone(), *b))
            .collect();
        let dirs = match self.sent.dirs(matcher) {
            Ok(d) => d,
            Err(e) => return Ok(Err(format!(".dockerignore: {e}"))),
        };
        let mut snapshot = Snapshot::default();
        for (path, blob) in sent {
            if let Some(entry) = self.entry(repo, blob)? {
                snapshot
                    .entries
                    .insert(String::from_utf8_lossy(&path).into_owned(), entry);
            }
        }
        for dir in dirs {
            snapshot.entries.insert(
                String::from_utf8_lossy(&dir).into_owned(),
                Entry {
                    kind: EntryKind::Dir,
                    mode: 0o755,
                    digest: entry_digest(EntryKind::Dir, 0o755, 0, "", b""),
                    link: None,
                    stat: None,
                },
            );
        }
        if let Some((text, Some(path))) = &self.replacement {
            if snapshot.entries.contains_key(path.as_str()) {
                snapshot.entries.insert(
                    path.clone(),
                    Entry {
                        kind: EntryKind::File,
                        mode: 0o644,
                        digest: entry_digest(EntryKind::File, 0o644, text.len() as u64, "", text),
                        link: None,
                        stat: None,
                    },
                );
            }
        }
        Ok(Ok(snapshot))
    }

    /// Simulates `build` with every earlier build in the cache.
    pub fn build(&mut self, repo: &Repo, build: &Build) -> Result<Outcome, Error> {
        let snapshot = match self.snapshot(repo, build)? {
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
            self.previous.as_ref().map(|(e, s)| (e, s)),
            &self.cache,
        );
        self.cache.add(&eval);
        self.previous = Some((eval, snapshot));
        Ok(Outcome::Built(plan.steps, plan.target))
    }
}

/// The part of a context tree the engine's walk sends under one `.dockerignore`, kept up to
/// date path by path: a file is sent unless excluded; a directory is sent when a file is
/// sent below it, or when it is not excluded itself (and holds files, as git stores no
/// empty directory).
#[derive(Default)]
struct Sent {
    files: BTreeMap<Vec<u8>, Blob>,
    /// Per directory: files below it in the tree, and of those, files sent.
    below: HashMap<Vec<u8>, (usize, usize)>,
    /// Whether the matcher excludes each directory (cleared with the matcher).
    excluded_dirs: HashMap<Vec<u8>, bool>,
}

/// The directories above `path`, deepest first.
fn ancestors(path: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut cut = path.len();
    std::iter::from_fn(move || {
        let slash = path[..cut].iter().rposition(|&b| b == b'/')?;
        cut = slash;
        Some(&path[..slash])
    })
}

impl Sent {
    fn reset(
        &mut self,
        tree: &BTreeMap<Vec<u8>, Blob>,
        matcher: &Matcher,
    ) -> Result<(), berth_context::PatternError> {
        *self = Sent::default();
        for (path, blob) in tree {
            self.insert(path, *blob, matcher)?;
        }
        Ok(())
    }

    fn insert(
        &mut self,
        path: &[u8],
        blob: Blob,
        matcher: &Matcher,
    ) -> Result<(), berth_context::PatternError> {
        let sent = !matcher.is_excluded(path)?;
        for dir in ancestors(path) {
            let counts = self.below.entry(dir.to_vec()).or_default();
            counts.0 += 1;
            counts.1 += usize::from(sent);
        }
        if sent {
            self.files.insert(path.to_vec(), blob);
        }
        Ok(())
    }

    fn remove(&mut self, path: &[u8]) {
        let sent = self.files.remove(path).is_some();
        for dir in ancestors(path) {
            if let Some(counts) = self.below.get_mut(dir) {
                counts.0 -= 1;
                counts.1 -= usize::from(sent);
                if counts.0 == 0 {
                    self.below.remove(dir);
                }
            }
        }
    }

    fn dirs(&mut self, matcher: &Matcher) -> Result<Vec<Vec<u8>>, berth_context::PatternError> {
        let mut out = vec![];
        for (dir, (_, sent)) in &self.below {
            let included = *sent > 0
                || match self.excluded_dirs.get(dir) {
                    Some(excluded) => !excluded,
                    None => {
                        let excluded = matcher.is_excluded(dir)?;
                        self.excluded_dirs.insert(dir.clone(), excluded);
                        !excluded
                    }
                };
            if included {
                out.push(dir.clone());
            }
        }
        Ok(out)
    }
}
