//! What the build context holds, as far as cache keys can see it: every path the build
//! would send (after `.dockerignore`), with a digest of exactly the attributes BuildKit's
//! content hash covers (type, permission bits, size, symlink target, bytes), and nothing
//! it ignores (modification time, owner: the client resets uid/gid to 0).
//!
//! A snapshot can be taken from a directory (reusing digests of files whose stat is
//! unchanged since an earlier snapshot, like git's index) or from a git tree.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use berth_context::{MatchInfo, Matcher};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::Error;

/// The kind of a context entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

/// One path of the build context.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub kind: Kind,
    /// Permission bits plus setuid/setgid/sticky (`mode & 0o7777`).
    pub mode: u32,
    /// Hex SHA-256 over kind, mode, size, symlink target and content.
    pub digest: String,
    /// A symlink's target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Stat fingerprint used to skip re-reading unchanged files (size, mtime ns, inode,
    /// ctime ns); never part of any key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat: Option<(u64, i64, u64, i64)>,
}

/// The build context as the cache sees it: relative `/`-separated path -> entry.
/// Directories are included (an empty directory matters); the root is not.
/// Serialized compactly (one array per entry) to keep large states quick to load.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "CompactSnapshot", into = "CompactSnapshot")]
pub struct Snapshot {
    pub entries: BTreeMap<String, Entry>,
    /// When the snapshot was taken (seconds since the epoch), to spot racy stat reuse.
    #[serde(default)]
    pub taken_at: i64,
}

/// One directory walk: the matcher, the previous snapshot for digest reuse.
struct Walker<'a> {
    ignore: &'a Matcher,
    /// The previous snapshot's entries by path (hashing beats B-tree lookups of long
    /// paths with shared prefixes on large contexts).
    previous: Option<std::collections::HashMap<&'a str, &'a Entry>>,
    racy_after: i64,
}

impl Walker<'_> {
    /// The entries below `dir` (relative path `rel`), subdirectories in parallel.
    fn dir(&self, dir: &Path, rel: &str, info: &MatchInfo) -> Result<Vec<(String, Entry)>, Error> {
        use rayon::prelude::*;
        let read = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut out = vec![];
        let mut subdirs = vec![];
        for item in read {
            let item = item.map_err(|e| Error::io(dir, e))?;
            let name = item.file_name();
            let name = name.to_string_lossy();
            let path_rel = if rel.is_empty() {
                name.to_string()
            } else {
                format!("{rel}/{name}")
            };
            let (excluded, child_info) = self
                .ignore
                .is_excluded_in(path_rel.as_bytes(), info)
                .map_err(|e| Error::Context(format!(".dockerignore: {e}")))?;
            let ft = item.file_type().map_err(|e| Error::io(&item.path(), e))?;
            if excluded {
                if ft.is_dir() && self.ignore.may_reinclude_below(path_rel.as_bytes()) {
                    subdirs.push((item.path(), path_rel, child_info));
                }
                continue;
            }
            // `DirEntry::metadata` stats relative to the open directory (no symlink
            // following, no path walk from the root).
            let meta = item.metadata().map_err(|e| Error::io(&item.path(), e))?;
            let kind = kind_of(ft);
            let mode = meta.mode() & 0o7777;
            let stat = (kind == Kind::File).then(|| {
                (
                    meta.len(),
                    meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
                    meta.ino(),
                    meta.ctime() * 1_000_000_000 + meta.ctime_nsec(),
                )
            });
            let reused = self
                .previous
                .as_ref()
                .and_then(|p| p.get(path_rel.as_str()).copied())
                .filter(|old| {
                    kind == Kind::File
                        && old.kind == Kind::File
                        && old.mode == mode
                        && old.stat.is_some()
                        && old.stat == stat
                        && meta.mtime() < self.racy_after
                });
            let path = item.path();
            let digest = match reused {
                Some(old) => old.digest.clone(),
                None => file_digest(&path, &meta).map_err(|e| Error::io(&path, e))?,
            };
            let link = if kind == Kind::Symlink {
                Some(
                    fs::read_link(&path)
                        .map_err(|e| Error::io(&path, e))?
                        .to_string_lossy()
                        .into_owned(),
                )
            } else {
                None
            };
            if kind == Kind::Dir {
                subdirs.push((path, path_rel.clone(), child_info));
            }
            out.push((
                path_rel,
                Entry {
                    kind,
                    mode,
                    digest,
                    link,
                    stat,
                },
            ));
        }
        let below: Vec<Vec<(String, Entry)>> = subdirs
            .par_iter()
            .map(|(path, rel, info)| self.dir(path, rel, info))
            .collect::<Result<_, _>>()?;
        for b in below {
            out.extend(b);
        }
        Ok(out)
    }
}

/// A snapshot entry as stored: path, kind, mode, digest, symlink target, stat.
type CompactEntry = (
    String,
    Kind,
    u32,
    String,
    Option<String>,
    Option<(u64, i64, u64, i64)>,
);

#[derive(Serialize, Deserialize)]
struct CompactSnapshot {
    taken_at: i64,
    entries: Vec<CompactEntry>,
}

impl From<Snapshot> for CompactSnapshot {
    fn from(s: Snapshot) -> Self {
        CompactSnapshot {
            taken_at: s.taken_at,
            entries: s
                .entries
                .into_iter()
                .map(|(p, e)| (p, e.kind, e.mode, e.digest, e.link, e.stat))
                .collect(),
        }
    }
}

impl From<CompactSnapshot> for Snapshot {
    fn from(c: CompactSnapshot) -> Self {
        Snapshot {
            taken_at: c.taken_at,
            entries: c
                .entries
                .into_iter()
                .map(|(p, kind, mode, digest, link, stat)| {
                    (
                        p,
                        Entry {
                            kind,
                            mode,
                            digest,
                            link,
                            stat,
                        },
                    )
                })
                .collect(),
        }
    }
}

/// Digest of an entry's hashed attributes.
///
/// A directory's mode is left out: on Docker 20.10.24 (the engine berth is checked
/// against) a mode-only change of a directory does not reach the build's copy of the
/// context, so `chmod 700 src` or `chmod 700 src/sub` keeps `COPY src/ ./src/` cached
/// (newer BuildKit hashes directory modes; see DESIGN.md section 4).
pub fn entry_digest(kind: Kind, mode: u32, size: u64, link: &str, content: &[u8]) -> String {
    let mode = if kind == Kind::Dir { 0 } else { mode };
    let mut h = Sha256::new();
    h.update(format!("{kind:?}\0{mode:o}\0{size}\0{link}\0").as_bytes());
    h.update(content);
    hex(&h.finalize())
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Reads `.dockerignore` patterns from bytes into a matcher.
pub fn dockerignore_matcher(bytes: Option<&[u8]>) -> Result<Matcher, Error> {
    let patterns: Vec<Vec<u8>> = bytes
        .map(|b| {
            berth_context::parse_dockerignore(b)
                .into_iter()
                .map(|(_, p)| p)
                .collect()
        })
        .unwrap_or_default();
    Matcher::new(patterns).map_err(|e| Error::Context(format!(".dockerignore: {e}")))
}

fn file_digest(path: &Path, meta: &fs::Metadata) -> std::io::Result<String> {
    let mode = meta.mode() & 0o7777;
    let ft = meta.file_type();
    if ft.is_symlink() {
        let target = fs::read_link(path)?;
        return Ok(entry_digest(
            Kind::Symlink,
            mode,
            0,
            &target.to_string_lossy(),
            b"",
        ));
    }
    if ft.is_dir() {
        return Ok(entry_digest(Kind::Dir, mode, 0, "", b""));
    }
    if !ft.is_file() {
        return Ok(entry_digest(Kind::Other, mode, 0, "", b""));
    }
    let mut h = Sha256::new();
    h.update(format!("{:?}\0{mode:o}\0{}\0\0", Kind::File, meta.len()).as_bytes());
    let mut file = fs::File::open(path)?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

fn kind_of(ft: fs::FileType) -> Kind {
    if ft.is_symlink() {
        Kind::Symlink
    } else if ft.is_dir() {
        Kind::Dir
    } else if ft.is_file() {
        Kind::File
    } else {
        Kind::Other
    }
}

impl Snapshot {
    /// Walks `root`, leaving out what `.dockerignore` excludes. Digests of regular
    /// files whose stat fingerprint equals the one in `previous` are reused (files
    /// modified within two seconds of the previous snapshot are always re-read, as git
    /// does for racily clean entries). Directories are read in parallel.
    pub fn scan(
        root: &Path,
        ignore: &Matcher,
        previous: Option<&Snapshot>,
    ) -> Result<Snapshot, Error> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let walker = Walker {
            ignore,
            previous: previous.map(|p| {
                p.entries
                    .iter()
                    .filter(|(_, e)| e.kind == Kind::File)
                    .map(|(k, v)| (k.as_str(), v))
                    .collect()
            }),
            racy_after: previous.map_or(i64::MIN, |p| p.taken_at - 2),
        };
        let mut found = walker.dir(root, "", &MatchInfo::default())?;
        found.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut snap = Snapshot {
            entries: found.into_iter().collect(),
            taken_at: now,
        };
        // Re-included files below excluded directories bring their parents along.
        let missing_parents: Vec<String> = snap
            .entries
            .keys()
            .flat_map(|p| {
                let mut out = vec![];
                let mut cur = p.as_str();
                while let Some((parent, _)) = cur.rsplit_once('/') {
                    out.push(parent.to_string());
                    cur = parent;
                }
                out
            })
            .filter(|p| !snap.entries.contains_key(p))
            .collect();
        for parent in missing_parents {
            let path = root.join(&parent);
            let meta = fs::symlink_metadata(&path).map_err(|e| Error::io(&path, e))?;
            let mode = meta.mode() & 0o7777;
            snap.entries.insert(
                parent,
                Entry {
                    kind: Kind::Dir,
                    mode,
                    digest: entry_digest(Kind::Dir, mode, 0, "", b""),
                    link: None,
                    stat: None,
                },
            );
        }
        Ok(snap)
    }

    /// Resolves `path` inside the context, following symlinks in every component (as
    /// COPY does for its source paths; absolute targets and `..` stay inside the
    /// context). Returns the resolved relative path (`""` for the root), or `None` when
    /// nothing is there.
    pub fn resolve(&self, path: &str) -> Option<String> {
        let mut parts: Vec<String> = vec![];
        let mut todo: Vec<String> = path.split('/').rev().map(str::to_string).collect();
        let mut hops = 0;
        while let Some(part) = todo.pop() {
            match part.as_str() {
                "" | "." => continue,
                ".." => {
                    parts.pop();
                    continue;
                }
                _ => {}
            }
            parts.push(part);
            let cur = parts.join("/");
            let entry = self.entries.get(&cur)?;
            if let Some(target) = entry.link.as_ref().filter(|_| entry.kind == Kind::Symlink) {
                hops += 1;
                if hops > 255 {
                    return None;
                }
                parts.pop();
                if target.starts_with('/') {
                    parts.clear();
                }
                todo.extend(target.split('/').rev().map(str::to_string));
            }
        }
        Some(parts.join("/"))
    }

    /// Entries strictly below `dir` (`""` for the whole context), in path order.
    pub fn below<'a>(
        &'a self,
        dir: &str,
    ) -> Box<dyn Iterator<Item = (&'a String, &'a Entry)> + 'a> {
        if dir.is_empty() {
            return Box::new(self.entries.iter());
        }
        let prefix = format!("{dir}/");
        let end = format!("{dir}0"); // '0' is the byte after '/'
        Box::new(
            self.entries
                .range(prefix.clone()..end)
                .filter(move |(k, _)| k.starts_with(&prefix)),
        )
    }
}
