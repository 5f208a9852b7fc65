//! Digests of COPY source selections, following BuildKit's `cache/contenthash`
//! `Checksum`: a plain path is one record (a directory's contents digest); a wildcard or
//! include/exclude patterns select records one by one.

use sha2::{Digest as _, Sha256};

use crate::digest::{Digest, EntryKind};
use crate::path as gopath;
use crate::pattern::{MatchInfo, Matcher, PatternError};
use crate::snapshot::{Snapshot, Tree};

/// Options of one checksum, as BuildKit's `ChecksumOpts`.
#[derive(Clone, Debug, Default)]
pub struct ChecksumOpts {
    /// Follow a symlink in the final path component (COPY and ADD always do).
    pub follow_links: bool,
    /// The path may contain `*`, `?` or `[` wildcards.
    pub wildcard: bool,
    /// Patterns (relative to the path) an entry must match.
    pub include: Vec<String>,
    /// Patterns (relative to the path) an entry must not match (COPY `--exclude`).
    pub exclude: Vec<String>,
}

/// The digest of a selection and the entries it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    /// The digest BuildKit would put in the cache key for this input.
    pub digest: Digest,
    /// Every entry whose change can alter the digest (files, symlinks, directories), as
    /// indices into the snapshot's entries, in key order.
    pub entries: Vec<usize>,
}

impl Selection {
    /// The selected paths, relative to the context root, in key order.
    pub fn paths<'a>(&'a self, tree: &'a Tree) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.entries.iter().map(|&i| &*tree.entries()[i].path)
    }
}

/// The records one source selects, before their digests are read.
enum Picked {
    /// A plain path: one record, the entry's own (a directory's contents digest).
    Whole { index: usize, entries: Vec<usize> },
    /// File-list mode (wildcards, include or exclude patterns): records one by one.
    List {
        /// (path relative to the prefix, entry index, whether the entry's tree digest is
        /// used: a followed top-level symlink's target).
        records: Vec<(Vec<u8>, usize, bool)>,
        entries: Vec<usize>,
        /// Exactly one record whose base name is the path's own.
        single_base: bool,
    },
}

impl Picked {
    fn entries(self) -> Vec<usize> {
        match self {
            Picked::Whole { entries, .. } | Picked::List { entries, .. } => entries,
        }
    }
}

/// Why a checksum failed.
#[derive(Debug, thiserror::Error)]
pub enum ChecksumError {
    /// The path (or a symlink on the way) does not exist.
    #[error("{0}: not found")]
    NotFound(String),
    /// More than 255 symlinks while resolving.
    #[error("too many symlinks: {0}")]
    TooManyLinks(String),
    /// An include or exclude pattern is malformed.
    #[error(transparent)]
    Pattern(#[from] PatternError),
}

const MAX_LINKS: usize = 255;

/// Whether a path holds glob characters (BuildKit's `containsWildcards`: `\` escapes).
pub fn contains_wildcards(p: &str) -> bool {
    let b = p.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'*' | b'?' | b'[' => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

struct Included {
    /// Path as BuildKit reports it (absolute, under the original prefix).
    path: Vec<u8>,
    index: usize,
    included: bool,
    /// Matched the wildcard itself (not included as part of a matched directory).
    top: bool,
    include_info: MatchInfo,
    exclude_info: MatchInfo,
}

impl Tree {
    /// Resolve `path` inside the tree: symlinks in non-final components are always
    /// followed (absolute targets from the root, `..` clamped at the root), the final one
    /// only with `follow_final`. Returns the entry index and its real path.
    pub(crate) fn resolve(
        &self,
        path: &[u8],
        follow_final: bool,
    ) -> Result<Option<(usize, Vec<u8>)>, ChecksumError> {
        let mut todo: Vec<Vec<u8>> = split(path).rev().collect();
        let mut current: Vec<Vec<u8>> = Vec::new();
        let mut links = 0;
        while let Some(component) = todo.pop() {
            if component == b".." {
                current.pop();
                continue;
            }
            current.push(component);
            let joined = current.join(&b'/');
            let Some(index) = self.find(&joined) else {
                return Ok(None);
            };
            let entry = &self.entries()[index];
            let is_final = todo.is_empty();
            if entry.kind == EntryKind::Symlink && (!is_final || follow_final) {
                links += 1;
                if links > MAX_LINKS {
                    return Err(ChecksumError::TooManyLinks(lossy(path)));
                }
                current.pop();
                let target = entry.target.as_deref().unwrap_or_default();
                if target.first() == Some(&b'/') {
                    current.clear();
                }
                todo.extend(split(target).rev());
            }
        }
        let joined = current.join(&b'/');
        Ok(self.find(&joined).map(|i| (i, joined)))
    }

    /// The entry at `index` and, for a directory, everything below it.
    fn with_subtree(&self, index: usize) -> Vec<usize> {
        let mut entries = vec![index];
        if self.entries()[index].kind == EntryKind::Dir {
            entries.extend(self.subtree(index));
        }
        entries
    }

    /// The records BuildKit's checksum of `path` reads (see [`Snapshot::checksum`]).
    fn pick(&self, path: &str, opts: &ChecksumOpts) -> Result<Picked, ChecksumError> {
        let clean = key_path(path.as_bytes());
        if !opts.wildcard && opts.include.is_empty() && opts.exclude.is_empty() {
            let Some((index, _)) = self.resolve(&clean, opts.follow_links)? else {
                return Err(ChecksumError::NotFound(path.to_string()));
            };
            return Ok(Picked::Whole {
                index,
                entries: self.with_subtree(index),
            });
        }
        if let Some(picked) = self.noop_exclude(&clean, opts)? {
            return Ok(picked);
        }
        let (included, orig_prefix) = self.included_paths(&clean, opts)?;
        let mut entries: Vec<usize> = Vec::new();
        let mut records: Vec<(Vec<u8>, usize, bool)> = Vec::new();
        for inc in &included {
            let entry = &self.entries()[inc.index];
            entries.push(inc.index);
            let mut record = (inc.index, false);
            if opts.follow_links && inc.top && entry.kind == EntryKind::Symlink {
                let rel = &inc.path[1..];
                match self.resolve(rel, true)? {
                    Some((target, _)) => {
                        record = (target, true);
                        entries.extend(self.with_subtree(target));
                    }
                    None => return Err(ChecksumError::NotFound(lossy(&inc.path))),
                }
            }
            let rel = &inc.path[orig_prefix.len().min(inc.path.len())..];
            let rel = if rel.is_empty() {
                b"/".to_vec()
            } else {
                rel.to_vec()
            };
            records.push((rel, record.0, record.1));
        }
        entries.sort_unstable();
        entries.dedup();
        let single_base =
            included.len() == 1 && gopath::base(&included[0].path) == gopath::base(&abs(&clean));
        Ok(Picked::List {
            records,
            entries,
            single_base,
        })
    }

    /// Which entries a COPY/ADD source list selects, as indices in key order: the entries
    /// whose change can alter the sources' digest (see [`Snapshot::select`]), found
    /// without reading any digest.
    ///
    /// ```
    /// let tree = berth_context::Tree::from_paths(["src/a.js", "src/b.js", "README.md"]);
    /// let picked = tree.select_paths(&["src"], &["*.md"]).unwrap();
    /// assert_eq!(picked.len(), 3); // src/ and its two files
    /// ```
    pub fn select_paths<S: AsRef<str>, E: AsRef<str>>(
        &self,
        sources: &[S],
        exclude: &[E],
    ) -> Result<Vec<usize>, ChecksumError> {
        let mut entries = Vec::new();
        for source in sources {
            entries.extend(
                self.pick(source.as_ref(), &copy_opts(source.as_ref(), exclude))?
                    .entries(),
            );
        }
        entries.sort_unstable();
        entries.dedup();
        Ok(entries)
    }

    /// A plain directory path whose exclude patterns remove nothing below it has the
    /// same digest as without them (BuildKit's `IdenticalWithNoopExclude` test).
    fn noop_exclude(&self, p: &[u8], opts: &ChecksumOpts) -> Result<Option<Picked>, ChecksumError> {
        if opts.wildcard || !opts.include.is_empty() || opts.exclude.is_empty() {
            return Ok(None);
        }
        let Some((index, real)) = self.resolve(p, true)? else {
            return Ok(None);
        };
        if self.entries()[index].kind != EntryKind::Dir {
            return Ok(None);
        }
        let exclude = Matcher::new(&opts.exclude)?;
        let base_len = if real.is_empty() { 0 } else { real.len() + 1 };
        for entry in &self.entries()[self.subtree(index)] {
            if exclude.is_excluded(&entry.path[base_len..])? {
                return Ok(None);
            }
        }
        let plain = ChecksumOpts {
            follow_links: opts.follow_links,
            ..ChecksumOpts::default()
        };
        self.pick(&String::from_utf8_lossy(p), &plain).map(Some)
    }

    fn included_paths(
        &self,
        p: &[u8],
        opts: &ChecksumOpts,
    ) -> Result<(Vec<Included>, Vec<u8>), ChecksumError> {
        let include = (!opts.include.is_empty())
            .then(|| Matcher::new(&opts.include))
            .transpose()?;
        let exclude = (!opts.exclude.is_empty())
            .then(|| Matcher::new(&opts.exclude))
            .transpose()?;
        let p_abs = abs(p);
        // The prefix to resolve (before the first wildcard component), as given and as
        // resolved.
        let (orig_prefix, start): (Vec<u8>, Option<(usize, Vec<u8>)>) = if opts.wildcard {
            let prefix = wildcard_prefix(p);
            if prefix.is_empty() {
                (Vec::new(), Some((0, Vec::new())))
            } else {
                let has_rest = prefix.len() < p.len();
                (abs(&prefix), self.resolve(&prefix, has_rest)?)
            }
        } else if p.is_empty() {
            (Vec::new(), Some((0, Vec::new())))
        } else {
            (p_abs.clone(), self.resolve(p, true)?)
        };
        let Some((start_index, resolved)) = start else {
            return Ok((Vec::new(), orig_prefix));
        };
        let resolved_abs = abs(&resolved);
        // The walk starts at the prefix entry itself: a wildcard can match it, a
        // non-directory path is its own only record, and a directory path's own header
        // is included (written as a lone NUL) when something below it is, as BuildKit's
        // `IncludeDoubleStar` digests show. The root never is.
        let range = if start_index == 0 {
            1..self.entries().len()
        } else if self.entries()[start_index].kind == EntryKind::Dir {
            start_index..self.subtree(start_index).end
        } else {
            start_index..start_index + 1
        };
        let mut out: Vec<Included> = Vec::new();
        let mut parents: Vec<usize> = Vec::new(); // indices into `out` of directory headers
        let mut last_matched: Option<Vec<u8>> = None;
        for index in range {
            let entry = &self.entries()[index];
            let mut fn_path = abs(&entry.path);
            if !orig_prefix.is_empty() || !resolved_abs.is_empty() {
                fn_path = [orig_prefix.as_slice(), &fn_path[resolved_abs.len()..]].concat();
            }
            while let Some(&last) = parents.last() {
                let mut dir = out[last].path.clone();
                dir.push(b'/');
                if fn_path.starts_with(&dir) {
                    break;
                }
                parents.pop();
            }
            let parent = parents.last().map(|&i| &out[i]);
            let is_dir = entry.kind == EntryKind::Dir;
            let candidate: Vec<u8>;
            let mut top = false;
            if opts.wildcard {
                let inside_match = last_matched.as_ref().is_some_and(|m| {
                    let mut m = m.clone();
                    m.push(b'/');
                    fn_path.starts_with(&m)
                });
                if !p_abs.is_empty() && !inside_match {
                    if !go_path_match(&p_abs, &fn_path) {
                        continue;
                    }
                    last_matched = Some(fn_path.clone());
                    top = true;
                }
                let base = last_matched.clone().unwrap_or_default();
                candidate = relative_to(&fn_path, &base);
            } else {
                candidate = relative_to(&fn_path, &p_abs);
            }
            let mut inc = Included {
                path: fn_path,
                index,
                included: false,
                top,
                include_info: MatchInfo::default(),
                exclude_info: MatchInfo::default(),
            };
            let mut should = should_include(
                &candidate,
                include.as_ref(),
                exclude.as_ref(),
                &mut inc,
                parent,
            )?;
            if !opts.wildcard && index == start_index && is_dir {
                should = false;
            }
            if should {
                for &pi in &parents {
                    if !out[pi].included {
                        out[pi].included = true;
                    }
                }
                inc.included = true;
            }
            let parent_candidate = is_dir;
            if should || parent_candidate {
                out.push(inc);
                if parent_candidate {
                    parents.push(out.len() - 1);
                }
            }
        }
        // Keep included records in key order (parents were flagged after being pushed).
        Ok((
            out.into_iter().filter(|i| i.included).collect(),
            orig_prefix,
        ))
    }
}

impl Snapshot {
    /// BuildKit's checksum of `path` (relative to the root; `/` or empty is the root).
    pub fn checksum(&self, path: &str, opts: &ChecksumOpts) -> Result<Selection, ChecksumError> {
        let picked = self.pick(path, opts)?;
        Ok(self.digest_of(picked))
    }

    fn digest_of(&self, picked: Picked) -> Selection {
        match picked {
            Picked::Whole { index, entries } => Selection {
                digest: self.entries()[index].tree_digest(),
                entries,
            },
            Picked::List {
                records,
                entries,
                single_base,
            } => {
                let record = |index: usize, tree: bool| {
                    let entry = &self.entries()[index];
                    if tree {
                        entry.tree_digest()
                    } else {
                        entry.digest
                    }
                };
                let digest = match records.as_slice() {
                    [] => Digest::empty(),
                    [(_, index, tree)] if single_base => record(*index, *tree),
                    _ => {
                        let mut h = Sha256::new();
                        for (p, index, tree) in &records {
                            h.update(to_key(p));
                            h.update(record(*index, *tree).text());
                        }
                        Digest(h.finalize().into())
                    }
                };
                Selection { digest, entries }
            }
        }
    }
}

fn should_include(
    candidate: &[u8],
    include: Option<&Matcher>,
    exclude: Option<&Matcher>,
    inc: &mut Included,
    parent: Option<&Included>,
) -> Result<bool, ChecksumError> {
    if let Some(m) = include {
        let info = parent.map(|p| p.include_info.clone()).unwrap_or_default();
        let (hit, info) = m.is_excluded_in(candidate, &info)?;
        inc.include_info = info;
        if !hit {
            return Ok(false);
        }
    }
    if let Some(m) = exclude {
        let info = parent.map(|p| p.exclude_info.clone()).unwrap_or_default();
        let (hit, info) = m.is_excluded_in(candidate, &info)?;
        inc.exclude_info = info;
        if hit {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `fn + "/"` without the `base + "/"` prefix, and without the trailing `/`.
fn relative_to(path: &[u8], base: &[u8]) -> Vec<u8> {
    let mut with_slash = path.to_vec();
    with_slash.push(b'/');
    let mut base_slash = base.to_vec();
    base_slash.push(b'/');
    let rest = with_slash
        .strip_prefix(base_slash.as_slice())
        .unwrap_or(&with_slash);
    rest.strip_suffix(b"/").unwrap_or(rest).to_vec()
}

/// The components of a path, without empty and `.` ones.
fn split(path: &[u8]) -> impl DoubleEndedIterator<Item = Vec<u8>> + '_ {
    path.split(|&b| b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
        .map(|c| c.to_vec())
}

/// BuildKit's `keyPath` made relative: cleaned, no leading `/`, the root is empty.
fn key_path(p: &[u8]) -> Vec<u8> {
    let mut rooted = b"/".to_vec();
    rooted.extend_from_slice(p);
    let cleaned = gopath::clean(&rooted);
    cleaned[1..].to_vec()
}

fn abs(rel: &[u8]) -> Vec<u8> {
    if rel.is_empty() {
        return Vec::new();
    }
    let mut out = b"/".to_vec();
    out.extend_from_slice(rel);
    out
}

fn to_key(abs_path: &[u8]) -> Vec<u8> {
    if abs_path.is_empty() {
        return vec![0];
    }
    abs_path
        .iter()
        .map(|&b| if b == b'/' { 0 } else { b })
        .collect()
}

/// The components before the first one holding a wildcard (relative path).
fn wildcard_prefix(p: &[u8]) -> Vec<u8> {
    let mut parts = Vec::new();
    for part in p.split(|&b| b == b'/') {
        if contains_wildcards(&String::from_utf8_lossy(part)) {
            break;
        }
        parts.push(part);
    }
    parts.join(&b'/')
}

/// Go's `path.Match` (no `/` crossing), over Go-decoded characters. A malformed pattern
/// matches nothing.
pub(crate) fn go_path_match(pattern: &[u8], name: &[u8]) -> bool {
    let p = gopath::decode_runes(pattern);
    let n = gopath::decode_runes(name);
    glob_match(&p, &n)
}

fn glob_match(p: &[char], n: &[char]) -> bool {
    // Iterative matching with backtracking on the last `*` (linear-ish, no recursion).
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ni));
                    pi += 1;
                    continue;
                }
                '?' if n[ni] != '/' => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, next)) = class_match(p, pi, n[ni]) {
                        if matched {
                            pi = next;
                            ni += 1;
                            continue;
                        }
                    } else {
                        return false;
                    }
                }
                '\\' if pi + 1 < p.len() && p[pi + 1] == n[ni] => {
                    pi += 2;
                    ni += 1;
                    continue;
                }
                '\\' => {}
                c if c != '?' && c == n[ni] => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                _ => {}
            }
        }
        // Backtrack: let the last star eat one more non-separator character.
        match star {
            Some((sp, sn)) if n[sn] != '/' => {
                star = Some((sp, sn + 1));
                pi = sp + 1;
                ni = sn + 1;
            }
            _ => return false,
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Match one character against the class starting at `p[at] == '['`; returns whether it
/// matched and the index after the class, or None when the class is malformed.
fn class_match(p: &[char], at: usize, c: char) -> Option<(bool, usize)> {
    let mut i = at + 1;
    let negated = p.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let ch = *p.get(i)?;
        if ch == ']' && !first {
            return Some((matched != negated && c != '/', i + 1));
        }
        first = false;
        let esc = |i: &mut usize| -> Option<char> {
            let mut ch = *p.get(*i)?;
            if ch == '\\' {
                *i += 1;
                ch = *p.get(*i)?;
            }
            *i += 1;
            Some(ch)
        };
        let lo = esc(&mut i)?;
        let mut hi = lo;
        if p.get(i) == Some(&'-') {
            i += 1;
            hi = esc(&mut i)?;
        }
        if lo <= c && c <= hi {
            matched = true;
        }
    }
}

fn lossy(p: &[u8]) -> String {
    String::from_utf8_lossy(p).into_owned()
}

/// The options of one COPY/ADD source: symlinks followed, wildcards detected as BuildKit
/// does, `COPY --exclude` patterns.
fn copy_opts<E: AsRef<str>>(source: &str, exclude: &[E]) -> ChecksumOpts {
    ChecksumOpts {
        follow_links: true,
        wildcard: contains_wildcards(source),
        include: Vec::new(),
        exclude: exclude.iter().map(|e| e.as_ref().to_string()).collect(),
    }
}

impl Snapshot {
    /// The digest of one COPY/ADD source against this (already `.dockerignore`-filtered)
    /// snapshot: checksummed with symlinks followed, wildcards detected as BuildKit does,
    /// and the `exclude` patterns of `COPY --exclude`.
    pub fn select_source<E: AsRef<str>>(
        &self,
        source: &str,
        exclude: &[E],
    ) -> Result<Selection, ChecksumError> {
        self.checksum(source, &copy_opts(source, exclude))
    }

    /// The digest of a COPY/ADD source list: each source as [`Snapshot::select_source`],
    /// the per-source digests joined with NUL and hashed again, as BuildKit combines the
    /// selectors of one input. `entries` lists every entry the selection covers.
    pub fn select<S: AsRef<str>, E: AsRef<str>>(
        &self,
        sources: &[S],
        exclude: &[E],
    ) -> Result<Selection, ChecksumError> {
        let mut h = Sha256::new();
        let mut entries = Vec::new();
        for (i, source) in sources.iter().enumerate() {
            let sel = self.select_source(source.as_ref(), exclude)?;
            if i > 0 {
                h.update([0u8]);
            }
            h.update(sel.digest.text());
            entries.extend(sel.entries);
        }
        entries.sort_unstable();
        entries.dedup();
        Ok(Selection {
            digest: Digest(h.finalize().into()),
            entries,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_match_like_go() {
        assert!(go_path_match(b"/f*o", b"/foo"));
        assert!(!go_path_match(b"/f*o", b"/f/o"));
        assert!(go_path_match(b"/x/d?", b"/x/d0"));
        assert!(go_path_match(b"/[a-c]x", b"/bx"));
        assert!(!go_path_match(b"/[^a-c]x", b"/bx"));
        assert!(contains_wildcards("a/*.txt"));
        assert!(!contains_wildcards("a/\\*.txt"));
    }
}
