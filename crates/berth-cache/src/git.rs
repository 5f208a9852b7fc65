//! `plan --since REV`: the record is taken from a git revision (Dockerfile,
//! `.dockerignore` and context as committed there), read with the git CLI: one
//! `git ls-tree` for the entries and one long `git cat-file --batch` for the contents.
//!
//! The committed tree is a second source of the one context model: its entries go
//! through berth-context's `.dockerignore` filter and digesting like a walk's, stamped
//! with their blob ids (so a caller holding an earlier snapshot never reads an
//! unchanged blob again). Git keeps only the execute bit of files and no directories of
//! their own: files are 0644 or 0755, directories 0755 (what a checkout with the usual
//! umask produces).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

use berth_context::{
    digest_files, file_record_bytes, Contents, ContextError, Digest, Entry, EntryKind,
    IgnoreFilter, Reuse, RootHeader, Snapshot, Stamp, Tree,
};

use crate::eval::Evaluation;
use crate::{Error, Options};

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, Error> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| Error::Git(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(Error::Git(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(out.stdout)
}

/// One `git cat-file --batch` process, asked for one object at a time.
struct Batch {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Batch {
    fn start(top: &Path) -> Result<Batch, Error> {
        let mut child = Command::new("git")
            .arg("-C")
            .arg(top)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| Error::Git(format!("cannot run git: {e}")))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(Error::Git("cannot talk to `git cat-file`".into()));
        };
        Ok(Batch {
            child,
            stdin,
            stdout: BufReader::new(stdout),
        })
    }

    /// The content of object `spec` (an id or `rev:path`), or `None` when it is missing.
    fn read(&mut self, spec: &str) -> std::io::Result<Option<Vec<u8>>> {
        writeln!(self.stdin, "{spec}")?;
        self.stdin.flush()?;
        let mut header = String::new();
        self.stdout.read_line(&mut header)?;
        if header.trim_end().ends_with(" missing") || header.trim_end().ends_with(" ambiguous") {
            return Ok(None);
        }
        let size: usize = header
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| {
                std::io::Error::other(format!("unexpected `git cat-file` output: {header}"))
            })?;
        let mut content = vec![0u8; size + 1];
        self.stdout.read_exact(&mut content)?;
        content.truncate(size);
        Ok(Some(content))
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Blob contents from the batch process (one request at a time).
struct Blobs {
    batch: Mutex<Batch>,
    /// Blob id of each file entry, by path.
    ids: std::collections::HashMap<Box<[u8]>, String>,
}

impl Contents for Blobs {
    fn record(&self, entry: &Entry, _: &mut [u8]) -> Result<Digest, ContextError> {
        let io = |source| ContextError::Io {
            path: entry.path_lossy().into_owned().into(),
            source,
        };
        let id = self
            .ids
            .get(&entry.path)
            .ok_or_else(|| io(std::io::Error::other("no blob id")))?;
        let content = self
            .batch
            .lock()
            .map_err(|_| io(std::io::Error::other("git reader poisoned")))?
            .read(id)
            .map_err(io)?
            .ok_or_else(|| io(std::io::Error::other(format!("blob {id} missing"))))?;
        Ok(file_record_bytes(&entry.header(), &content))
    }
}

/// The object id as a stamp (left-aligned, zero-padded).
fn stamp(oid: &str) -> Stamp {
    let mut id = [0u8; 32];
    for (i, pair) in oid.as_bytes().chunks(2).take(32).enumerate() {
        let text = std::str::from_utf8(pair).unwrap_or("00");
        id[i] = u8::from_str_radix(text, 16).unwrap_or(0);
    }
    Stamp::Object(id)
}

/// Evaluates the Dockerfile as committed at `rev` against the context as committed (and
/// the named contexts `named`: the caller's, as they are now).
pub(crate) fn evaluate_at(
    context: &Path,
    dockerfile: &Path,
    rev: &str,
    named: &[(String, crate::Named)],
    opts: &Options,
) -> Result<(Evaluation, Snapshot), Error> {
    let top = String::from_utf8_lossy(&git(context, &["rev-parse", "--show-toplevel"])?)
        .trim()
        .to_string();
    let top = Path::new(&top)
        .canonicalize()
        .map_err(|e| Error::io(Path::new(&top), e))?;
    git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| {
        Error::Git(format!(
            "`{rev}` is not a commit of the repository at {}",
            top.display()
        ))
    })?;
    let rel = |p: &Path| -> Result<String, Error> {
        let abs = p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        abs.strip_prefix(&top)
            .map(|r| r.to_string_lossy().into_owned())
            .map_err(|_| {
                Error::Git(format!(
                    "{} is outside the git repository {}",
                    p.display(),
                    top.display()
                ))
            })
    };
    let prefix = rel(context)?;
    let df_rel = rel(dockerfile)?;
    let mut batch = Batch::start(&top)?;
    let show = |batch: &mut Batch, path: &str| {
        batch
            .read(&format!("{rev}:{path}"))
            .map_err(|e| Error::Git(e.to_string()))
    };
    let df_bytes = show(&mut batch, &df_rel)?
        .ok_or_else(|| Error::Git(format!("{df_rel} does not exist at {rev}")))?;
    let join = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        }
    };
    let ignore_bytes = match show(&mut batch, &format!("{df_rel}.dockerignore"))? {
        Some(b) => Some(b),
        None => show(&mut batch, &join(".dockerignore"))?,
    };
    let ignore_name = format!(".dockerignore at {rev}");
    let matcher = berth_context::dockerignore_matcher(
        Path::new(&ignore_name),
        ignore_bytes.as_deref().unwrap_or_default(),
        opts.engine,
    )
    .map_err(|e| Error::Context(e.to_string()))?;

    // Every tree and blob under the context, in BuildKit's key order.
    let mut args = vec!["ls-tree", "-r", "-t", "-l", "-z", "--full-tree", rev];
    if !prefix.is_empty() {
        args.push("--");
        args.push(&prefix);
    }
    let listing = git(&top, &args)?;
    let mut listed: Vec<(Entry, Option<String>)> = Vec::new();
    for item in listing.split(|&b| b == 0).filter(|i| !i.is_empty()) {
        let Some(tab) = item.iter().position(|&b| b == b'\t') else {
            continue;
        };
        let (meta, path) = (&item[..tab], &item[tab + 1..]);
        // `<mode> <type> <id> <size>` (the size is `-` for trees, padded).
        let meta = String::from_utf8_lossy(meta);
        let fields: Vec<&str> = meta.split_whitespace().collect();
        let [mode, kind, oid, size] = fields[..] else {
            continue;
        };
        let relpath: &[u8] = if prefix.is_empty() {
            path
        } else {
            match path.strip_prefix(prefix.as_bytes()) {
                Some(r) if r.first() == Some(&b'/') => &r[1..],
                _ => continue, // the context directory itself, or a sibling
            }
        };
        let mode = u32::from_str_radix(mode, 8).unwrap_or(0o100644);
        let entry = match kind {
            "tree" => Entry::dir(relpath, 0o755),
            "blob" if mode & 0o170000 == 0o120000 => {
                let target = batch
                    .read(oid)
                    .map_err(|e| Error::Git(e.to_string()))?
                    .unwrap_or_default();
                Entry::symlink(relpath, &target)
            }
            "blob" => {
                let perm = if mode & 0o111 != 0 { 0o755 } else { 0o644 };
                let mut e = Entry::bare(relpath, EntryKind::File, perm);
                e.stamp = stamp(oid);
                e.size = size.parse().unwrap_or(0);
                listed.push((e, Some(oid.to_string())));
                continue;
            }
            _ => continue, // submodules are not part of the build context
        };
        listed.push((entry, None));
    }
    listed.sort_by(|a, b| berth_context::key_cmp(&a.0.path, &b.0.path));

    // `.dockerignore`, exactly as for a walk.
    let mut filter = IgnoreFilter::new(&matcher);
    let mut kept: Vec<(Entry, Option<String>)> = vec![(Entry::dir(b"", 0o755), None)];
    for (entry, oid) in listed {
        let depth = entry.path.split(|&b| b == b'/').count();
        let is_dir = entry.kind == EntryKind::Dir;
        let path = entry.path.clone();
        filter
            .visit(&path, depth, is_dir, (entry, oid), &mut kept)
            .map_err(|e| Error::Context(format!(".dockerignore at {rev}: {e}")))?;
    }
    let mut ids = std::collections::HashMap::new();
    let mut entries = Vec::with_capacity(kept.len());
    for (entry, oid) in kept {
        if let Some(oid) = oid {
            ids.insert(entry.path.clone(), oid);
        }
        entries.push(entry);
    }
    let blobs = Blobs {
        batch: Mutex::new(batch),
        ids,
    };
    let tree = Tree::from_entries(entries);
    let (tree, _) =
        digest_files(tree, Reuse::Nothing, &blobs, None).map_err(|e| Error::Git(e.to_string()))?;
    let snapshot = Snapshot::from_tree(tree, RootHeader::Transfer);

    let text = String::from_utf8_lossy(&df_bytes).into_owned();
    let name = format!("{df_rel} at {rev}");
    let eval = crate::evaluate_dockerfile(&text, &name, Some(&snapshot), None, named, opts)?;
    Ok((eval, snapshot))
}
