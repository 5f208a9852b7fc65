//! One builder replaying commits: the context of each commit as a snapshot of the cache
//! model, built from its git tree, evaluated and compared by berth-cache exactly as `berth
//! cache plan` does, against the build before (for the causes) and a cache that holds
//! every earlier build (for the statuses).
//!
//! Git keeps only a file's execute bit and no directories of their own: the context is
//! what a fresh checkout with umask 022 gives (files 0644 or 0755, directories 0755),
//! as a CI runner builds it. Submodules are left out (`git archive` has no files for them).

use std::collections::{BTreeMap, BTreeSet, HashMap};
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
            digests: HashMap::new(),
            matcher: None,
            previous: None,
            cache: BuildCache::default(),
        }
    }

    /// Makes the matcher the one of `dockerignore` (parsed again only when it changed).
    fn refresh_matcher(&mut self, dockerignore: &Option<Rc<Vec<u8>>>) -> Result<(), String> {
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
        Ok(())
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

    /// The snapshot of the context as the engine receives it.
    fn snapshot(&mut self, repo: &Repo, build: &Build) -> Result<Result<Snapshot, String>, Error> {
        if let Err(why) = self.refresh_matcher(&build.dockerignore) {
            return Ok(Err(why));
        }
        let Some((_, matcher)) = &self.matcher else {
            return Ok(Err("no .dockerignore matcher".into()));
        };
        let excluded = |path: &[u8]| matcher.is_excluded(path);
        // The paths the walk sends: every file not excluded; every directory not excluded,
        // and every parent of a file that is sent.
        let mut sent: Vec<(Vec<u8>, Blob)> = vec![];
        let mut dirs: BTreeSet<Vec<u8>> = BTreeSet::new();
        for (path, blob) in &self.tree {
            let included = match excluded(path) {
                Ok(x) => !x,
                Err(e) => return Ok(Err(format!(".dockerignore: {e}"))),
            };
            let mut cut = path.len();
            while let Some(slash) = path[..cut].iter().rposition(|&b| b == b'/') {
                cut = slash;
                let dir = &path[..cut];
                if dirs.contains(dir) {
                    break;
                }
                if included || excluded(dir) == Ok(false) {
                    dirs.insert(dir.to_vec());
                }
            }
            if included {
                sent.push((path.clone(), *blob));
            }
        }
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
        for change in &build.changes {
            match change.new {
                Some(blob) => self.tree.insert(change.path.clone(), blob),
                None => self.tree.remove(&change.path),
            };
        }
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
