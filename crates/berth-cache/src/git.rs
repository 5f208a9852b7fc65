//! `plan --since REV`: the record is taken from a git revision (Dockerfile,
//! `.dockerignore` and context as committed there), read with the git CLI.
//!
//! Git keeps only the execute bit of files and no directories of their own, so the
//! committed context is read as files 0644 or 0755, symlinks, and directories 0755
//! (what a checkout with the usual umask produces).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::eval::Evaluation;
use crate::snapshot::{dockerignore_matcher, entry_digest, Entry, Kind, Snapshot};
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

/// A file's content at `rev`, or `None` when the revision does not have it.
fn show(top: &Path, rev: &str, path: &str) -> Result<Option<Vec<u8>>, Error> {
    let spec = format!("{rev}:{path}");
    let out = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["cat-file", "-e", &spec])
        .output()
        .map_err(|e| Error::Git(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Ok(None);
    }
    git(top, &["cat-file", "blob", &spec]).map(Some)
}

/// Evaluates the Dockerfile as committed at `rev` against the context as committed.
pub(crate) fn evaluate_at(
    context: &Path,
    dockerfile: &Path,
    rev: &str,
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
    let df_bytes = show(&top, rev, &df_rel)?
        .ok_or_else(|| Error::Git(format!("{df_rel} does not exist at {rev}")))?;
    let join = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        }
    };
    let ignore_bytes = match show(&top, rev, &format!("{df_rel}.dockerignore"))? {
        Some(b) => Some(b),
        None => show(&top, rev, &join(".dockerignore"))?,
    };
    let ignore = dockerignore_matcher(ignore_bytes.as_deref())?;

    let mut args = vec!["ls-tree", "-r", "-z", "--full-tree", rev];
    if !prefix.is_empty() {
        args.push("--");
        args.push(&prefix);
    }
    let listing = git(&top, &args)?;
    let mut blobs: Vec<(String, u32, String)> = vec![]; // (relative path, git mode, oid)
    for item in listing.split(|&b| b == 0).filter(|i| !i.is_empty()) {
        let item = String::from_utf8_lossy(item);
        let Some((meta, path)) = item.split_once('\t') else {
            continue;
        };
        let fields: Vec<&str> = meta.split(' ').collect();
        if fields.len() != 3 || fields[1] != "blob" {
            continue; // submodules are not part of the build context
        }
        let relpath = if prefix.is_empty() {
            path.to_string()
        } else {
            match path.strip_prefix(&format!("{prefix}/")) {
                Some(r) => r.to_string(),
                None => continue,
            }
        };
        let excluded = ignore
            .is_excluded(relpath.as_bytes())
            .map_err(|e| Error::Context(format!(".dockerignore: {e}")))?;
        if excluded {
            continue;
        }
        let mode = u32::from_str_radix(fields[0], 8).unwrap_or(0o100644);
        blobs.push((relpath, mode, fields[2].to_string()));
    }

    let mut snapshot = Snapshot::default();
    let mut child = Command::new("git")
        .arg("-C")
        .arg(&top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Git(format!("cannot run git: {e}")))?;
    let mut stdin = child.stdin.take().expect("piped");
    let oids: Vec<String> = blobs.iter().map(|b| b.2.clone()).collect();
    let writer = std::thread::spawn(move || {
        for oid in oids {
            if writeln!(stdin, "{oid}").is_err() {
                break;
            }
        }
    });
    let mut out = BufReader::new(child.stdout.take().expect("piped"));
    for (path, mode, _) in &blobs {
        let mut header = String::new();
        out.read_line(&mut header)
            .map_err(|e| Error::Git(e.to_string()))?;
        let size: usize = header
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| Error::Git(format!("unexpected `git cat-file` output: {header}")))?;
        let mut content = vec![0u8; size + 1];
        out.read_exact(&mut content)
            .map_err(|e| Error::Git(e.to_string()))?;
        content.truncate(size);
        let entry = if mode & 0o170000 == 0o120000 {
            let target = String::from_utf8_lossy(&content).into_owned();
            Entry {
                kind: Kind::Symlink,
                mode: 0o777,
                digest: entry_digest(Kind::Symlink, 0o777, 0, &target, b""),
                link: Some(target),
                stat: None,
            }
        } else {
            let perm = if mode & 0o111 != 0 { 0o755 } else { 0o644 };
            Entry {
                kind: Kind::File,
                mode: perm,
                digest: entry_digest(Kind::File, perm, size as u64, "", &content),
                link: None,
                stat: None,
            }
        };
        let mut cur = path.as_str();
        while let Some((parent, _)) = cur.rsplit_once('/') {
            snapshot
                .entries
                .entry(parent.to_string())
                .or_insert_with(|| Entry {
                    kind: Kind::Dir,
                    mode: 0o755,
                    digest: entry_digest(Kind::Dir, 0o755, 0, "", b""),
                    link: None,
                    stat: None,
                });
            cur = parent;
        }
        snapshot.entries.insert(path.clone(), entry);
    }
    let _ = writer.join();
    let _ = child.wait();
    let text = String::from_utf8_lossy(&df_bytes).into_owned();
    let df = berth_syntax::parse(&text);
    let name = format!("{df_rel} at {rev}");
    let eval = crate::eval::evaluate(&crate::eval::EvalInput {
        dockerfile: &df,
        file_name: &name,
        snapshot: &snapshot,
        same_snapshot: None,
        build_args: &opts.build_args,
        target: opts.target.as_deref(),
    })?;
    Ok((eval, snapshot))
}
