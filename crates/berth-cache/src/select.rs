//! Which context entries a COPY/ADD source or a bind mount selects, and the digest
//! BuildKit's content hash would change with (`reference/buildkit.md` C8).
//!
//! - A plain path is resolved following symlinks. A file is keyed by its own record
//!   (its name is not in the hash: the base name is in the copy action instead). A
//!   directory is keyed by every entry below it: names, types, modes, symlink targets
//!   and bytes. Directory modes are left out: Docker 20.10.24's BuildKit did not
//!   re-run `COPY src/ ./src/` after `chmod 700 src` or `chmod 700 src/sub` (newer
//!   BuildKit hashes them).
//! - A path with `*`, `?` or `[` is split at the first wildcard component; the rest is
//!   matched against whole relative paths (a `*` does not cross `/`), and the matched
//!   names are part of the hash.

use globset::{GlobBuilder, GlobMatcher};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::snapshot::{hex, Digest, Kind, Snapshot};

/// A source path as the build reads it (variables already expanded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// The path relative to the context root, cleaned (`""` is the whole context).
    pub path: String,
    /// `--exclude` patterns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
}

/// The result of selecting from a snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selected {
    /// Digest of everything selected (`missing:` prefix when the path does not exist).
    pub digest: String,
    /// Context paths selected, with their entry digests, in path order.
    pub entries: Vec<(String, Digest)>,
}

/// Cleans a context path: no leading `/` or `./`, no `.` or `..` components.
pub fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = vec![];
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn glob(pattern: &str) -> Option<GlobMatcher> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .ok()
        .map(|g| g.compile_matcher())
}

impl Selection {
    /// A selection of `path` (relative or absolute, as written in the Dockerfile).
    pub fn new(path: &str, exclude: &[String]) -> Selection {
        Selection {
            path: clean(path),
            exclude: exclude.to_vec(),
        }
    }

    /// The top-level directory (or file) this selection reads, for summaries.
    pub fn describe(&self) -> String {
        if self.path.is_empty() {
            ".".into()
        } else {
            self.path.clone()
        }
    }
}

/// Selects from the snapshot; see the module docs for what is hashed.
pub fn select(snapshot: &Snapshot, sel: &Selection) -> Selected {
    select_with(snapshot, sel, true)
}

/// Just the digest of a selection (no list of entries: cheaper on large contexts).
pub fn selection_digest(snapshot: &Snapshot, sel: &Selection) -> String {
    select_with(snapshot, sel, false).digest
}

fn select_with(snapshot: &Snapshot, sel: &Selection, collect: bool) -> Selected {
    let excludes: Vec<GlobMatcher> = sel.exclude.iter().filter_map(|e| glob(&clean(e))).collect();
    let excluded = |rel: &str| {
        excludes.iter().any(|g| {
            g.is_match(rel)
                || rel
                    .split('/')
                    .scan(String::new(), |acc, part| {
                        if !acc.is_empty() {
                            acc.push('/');
                        }
                        acc.push_str(part);
                        Some(acc.clone())
                    })
                    .any(|prefix| g.is_match(&prefix))
        })
    };
    let mut hasher = Sha256::new();
    let mut entries = vec![];
    let parts: Vec<&str> = if sel.path.is_empty() {
        vec![]
    } else {
        sel.path.split('/').collect()
    };
    if let Some(wild) = parts.iter().position(|p| has_wildcard(p)) {
        let prefix = parts[..wild].join("/");
        let Some(base) = snapshot.resolve(&prefix) else {
            return Selected {
                digest: hex(&Sha256::digest(b"")),
                entries,
            };
        };
        let Some(matcher) = glob(&parts[wild..].join("/")) else {
            return Selected {
                digest: format!("missing:{}", sel.path),
                entries,
            };
        };
        let strip = if base.is_empty() { 0 } else { base.len() + 1 };
        let mut matched_dir: Option<String> = None;
        for (path, entry) in snapshot.below(&base) {
            let rel = &path[strip..];
            let inside = matched_dir.as_ref().is_some_and(|d| {
                rel.starts_with(d.as_str()) && rel.as_bytes().get(d.len()) == Some(&b'/')
            });
            if !inside {
                matched_dir = None;
                if !matcher.is_match(rel) {
                    continue;
                }
                if entry.kind == Kind::Dir {
                    matched_dir = Some(rel.to_string());
                }
            }
            if excluded(rel) {
                continue;
            }
            hasher.update(rel.as_bytes());
            hasher.update([0]);
            hasher.update(entry.digest);
            if collect {
                entries.push((path.clone(), entry.digest));
            }
        }
        return Selected {
            digest: hex(&hasher.finalize()),
            entries,
        };
    }
    let Some(resolved) = snapshot.resolve(&sel.path) else {
        return Selected {
            digest: format!("missing:{}", sel.path),
            entries,
        };
    };
    match snapshot.entries.get(&resolved) {
        Some(entry) if entry.kind != Kind::Dir => {
            if collect {
                entries.push((resolved.clone(), entry.digest));
            }
            Selected {
                digest: hex(&entry.digest),
                entries,
            }
        }
        _ => {
            let strip = if resolved.is_empty() {
                0
            } else {
                resolved.len() + 1
            };
            hasher.update(b"dir\0");
            for (path, entry) in snapshot.below(&resolved) {
                let rel = &path[strip..];
                if excluded(rel) {
                    continue;
                }
                hasher.update(rel.as_bytes());
                hasher.update([0]);
                hasher.update(entry.digest);
                if collect {
                    entries.push((path.clone(), entry.digest));
                }
            }
            Selected {
                digest: hex(&hasher.finalize()),
                entries,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{entry_digest, Entry};

    fn snap(items: &[(&str, Kind, u32, &str)]) -> Snapshot {
        let mut s = Snapshot::default();
        for (path, kind, mode, content) in items {
            let link = (*kind == Kind::Symlink).then(|| content.to_string());
            s.entries.insert(
                path.to_string(),
                Entry {
                    kind: *kind,
                    mode: *mode,
                    digest: entry_digest(
                        *kind,
                        *mode,
                        content.len() as u64,
                        link.as_deref().unwrap_or(""),
                        content.as_bytes(),
                    ),
                    link,
                    stat: None,
                },
            );
        }
        s
    }

    fn base() -> Vec<(&'static str, Kind, u32, &'static str)> {
        vec![
            ("src", Kind::Dir, 0o755, ""),
            ("src/a.txt", Kind::File, 0o644, "a"),
            ("src/b.txt", Kind::File, 0o644, "b"),
            ("src/sub", Kind::Dir, 0o755, ""),
            ("src/sub/c.md", Kind::File, 0o644, "c"),
            ("link", Kind::Symlink, 0o777, "src"),
            ("top.txt", Kind::File, 0o644, "t"),
        ]
    }

    fn digest(items: &[(&str, Kind, u32, &str)], path: &str) -> String {
        select(&snap(items), &Selection::new(path, &[])).digest
    }

    #[test]
    fn directory_digest_follows_content_modes_and_names() {
        let d0 = digest(&base(), "src/");
        let mut changed = base();
        changed[1].3 = "A";
        assert_ne!(d0, digest(&changed, "src"));
        let mut chmod = base();
        chmod[2].2 = 0o755;
        assert_ne!(d0, digest(&chmod, "src"));
        // Directory modes are not hashed (Docker 20.10.24 behaviour).
        let mut nested_dir_mode = base();
        nested_dir_mode[3].2 = 0o700;
        assert_eq!(d0, digest(&nested_dir_mode, "src"));
        let mut renamed = base();
        renamed[2].0 = "src/z.txt";
        assert_ne!(d0, digest(&renamed, "src"));
        let mut own_mode = base();
        own_mode[0].2 = 0o700;
        assert_eq!(d0, digest(&own_mode, "src"));
        // Files outside the selection don't matter.
        let mut outside = base();
        outside[6].3 = "other";
        assert_eq!(d0, digest(&outside, "./src/"));
    }

    #[test]
    fn symlinks_are_followed_for_the_source_path() {
        assert_eq!(digest(&base(), "link"), digest(&base(), "src"));
        assert_eq!(digest(&base(), "link/a.txt"), digest(&base(), "src/a.txt"));
    }

    #[test]
    fn single_file_digest_excludes_its_name() {
        let mut items = base();
        items.push(("copy.txt", Kind::File, 0o644, "a"));
        assert_eq!(digest(&items, "src/a.txt"), digest(&items, "copy.txt"));
    }

    #[test]
    fn wildcards_hash_matched_names_only() {
        let d0 = digest(&base(), "src/*.txt");
        let mut md = base();
        md[4].3 = "changed";
        assert_eq!(d0, digest(&md, "src/*.txt"));
        let mut renamed = base();
        renamed[2].0 = "src/z.txt";
        assert_ne!(d0, digest(&renamed, "src/*.txt"));
        let sel = select(&snap(&base()), &Selection::new("src/*.txt", &[]));
        assert_eq!(sel.entries.len(), 2);
        // A wildcard matching a directory takes everything below it.
        let sel = select(&snap(&base()), &Selection::new("src/s*", &[]));
        assert_eq!(
            sel.entries.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
            ["src/sub", "src/sub/c.md"]
        );
    }

    #[test]
    fn missing_and_whole_context() {
        assert!(digest(&base(), "nope").starts_with("missing:"));
        let all = select(&snap(&base()), &Selection::new(".", &[]));
        assert_eq!(all.entries.len(), base().len());
    }

    #[test]
    fn excludes_leave_entries_out() {
        let sel = select(
            &snap(&base()),
            &Selection::new("src", &["*.md".into(), "sub".into()]),
        );
        assert_eq!(
            sel.entries.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
            ["src/a.txt", "src/b.txt"]
        );
    }

    #[test]
    fn clean_paths() {
        assert_eq!(clean("/src/"), "src");
        assert_eq!(clean("./a/../b"), "b");
        assert_eq!(clean("."), "");
    }
}
