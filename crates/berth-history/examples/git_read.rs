//! Measures the two ways of reading a history that issue 16 allows, on the same work:
//! walk main's first-parent line, diff each commit's tree with the one before (skipping
//! subtrees whose id did not change), and read every blob once (the first tree's whole
//! listing, then each new blob id).
//!
//!     cargo run --release -p berth-history --example git_read -- gix|cat-file REPO
//!
//! `gix` is berth-history's own reader ([`berth_history::git::Repo`]); `cat-file` is the
//! same walk over one long `git cat-file --batch` process, parsing commit and tree objects
//! by hand. `benches/scripts/history-bench.sh` times both side by side.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use berth_history::git::{Range, Repo};

/// Figures of one run, printed so both readers can be seen to do the same work.
#[derive(Default, Debug, PartialEq)]
struct Work {
    commits: usize,
    changes: usize,
    blobs_read: usize,
    blob_bytes: usize,
}

fn with_gix(dir: &str) -> Work {
    let repo = Repo::discover(std::path::Path::new(dir)).expect("repository");
    let commits = repo.first_parent_commits(&Range::All).expect("commits");
    let mut work = Work {
        commits: commits.len(),
        ..Work::default()
    };
    let mut seen = HashSet::new();
    let mut previous = None;
    for commit in &commits {
        for change in repo.changes(previous, Some(commit.tree)).expect("changes") {
            work.changes += 1;
            if let Some(new) = change.new {
                if seen.insert(new.id) {
                    work.blobs_read += 1;
                    work.blob_bytes += repo.blob(new.id).expect("blob").len();
                }
            }
        }
        previous = Some(commit.tree);
    }
    work
}

/// One `git cat-file --batch` process.
struct CatFile {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl CatFile {
    fn start(dir: &str) -> CatFile {
        let mut child = Command::new("git")
            .args(["-C", dir, "cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("git cat-file");
        let input = child.stdin.take().expect("piped");
        let output = BufReader::new(child.stdout.take().expect("piped"));
        CatFile {
            child,
            input,
            output,
        }
    }

    fn read(&mut self, spec: &str) -> Vec<u8> {
        writeln!(self.input, "{spec}").expect("write");
        self.input.flush().expect("flush");
        let mut header = String::new();
        self.output.read_line(&mut header).expect("header");
        let size: usize = header
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("cat-file: {header}"));
        let mut data = vec![0; size + 1];
        self.output.read_exact(&mut data).expect("object");
        data.truncate(size);
        data
    }

    /// (name, is_tree, mode, id) per entry, in git's order.
    fn tree(&mut self, id: &str) -> Vec<(Vec<u8>, bool, Vec<u8>, String)> {
        let data = self.read(id);
        let mut out = vec![];
        let mut rest = &data[..];
        while !rest.is_empty() {
            let space = rest.iter().position(|&b| b == b' ').expect("mode");
            let nul = rest.iter().position(|&b| b == 0).expect("name");
            let mode = rest[..space].to_vec();
            let name = rest[space + 1..nul].to_vec();
            let oid: String = rest[nul + 1..nul + 21]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            out.push((name, mode == b"40000", mode, oid));
            rest = &rest[nul + 21..];
        }
        out
    }

    fn changes(
        &mut self,
        old: Option<&str>,
        new: Option<&str>,
        work: &mut Work,
        seen: &mut HashSet<String>,
    ) {
        if old == new {
            return;
        }
        let olds = old.map(|t| self.tree(t)).unwrap_or_default();
        let news = new.map(|t| self.tree(t)).unwrap_or_default();
        let key = |e: &(Vec<u8>, bool, Vec<u8>, String)| {
            let mut k = e.0.clone();
            if e.1 {
                k.push(b'/');
            }
            k
        };
        let (mut i, mut j) = (0, 0);
        while i < olds.len() || j < news.len() {
            let order = match (olds.get(i), news.get(j)) {
                (Some(a), Some(b)) => key(a).cmp(&key(b)),
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            let (a, b) = match order {
                std::cmp::Ordering::Less => (olds.get(i), None),
                std::cmp::Ordering::Greater => (None, news.get(j)),
                std::cmp::Ordering::Equal => (olds.get(i), news.get(j)),
            };
            i += usize::from(a.is_some());
            j += usize::from(b.is_some());
            if let (Some(a), Some(b)) = (a, b) {
                if a.3 == b.3 && a.2 == b.2 {
                    continue;
                }
            }
            let old_tree = a.filter(|e| e.1).map(|e| e.3.clone());
            let new_tree = b.filter(|e| e.1).map(|e| e.3.clone());
            if old_tree.is_some() || new_tree.is_some() {
                self.changes(old_tree.as_deref(), new_tree.as_deref(), work, seen);
            }
            let new_blob = b.filter(|e| !e.1);
            if a.is_some_and(|e| !e.1) || new_blob.is_some() {
                work.changes += 1;
            }
            if let Some(blob) = new_blob {
                if seen.insert(blob.3.clone()) {
                    work.blobs_read += 1;
                    work.blob_bytes += self.read(&blob.3).len();
                }
            }
        }
    }
}

fn with_cat_file(dir: &str) -> Work {
    let mut git = CatFile::start(dir);
    // First parents from HEAD: `tree X` and the first `parent Y` of each commit object.
    let mut trees = vec![];
    let mut next = Some("HEAD".to_string());
    while let Some(id) = next.take() {
        let data = git.read(&id);
        let text = String::from_utf8_lossy(&data);
        for line in text.lines() {
            if let Some(tree) = line.strip_prefix("tree ") {
                trees.push(tree.to_string());
            } else if let Some(parent) = line.strip_prefix("parent ") {
                next = Some(parent.to_string());
                break;
            } else if line.is_empty() {
                break;
            }
        }
    }
    trees.reverse();
    let mut work = Work {
        commits: trees.len(),
        ..Work::default()
    };
    let mut seen = HashSet::new();
    let mut previous: Option<String> = None;
    for tree in &trees {
        git.changes(previous.as_deref(), Some(tree), &mut work, &mut seen);
        previous = Some(tree.clone());
    }
    drop(git.input);
    let _ = git.child.wait();
    work
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(how), Some(dir)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: git_read gix|cat-file REPO");
        std::process::exit(2);
    };
    let start = std::time::Instant::now();
    let work = match how.as_str() {
        "gix" => with_gix(dir),
        "cat-file" => with_cat_file(dir),
        other => {
            eprintln!("unknown reader `{other}`: gix or cat-file");
            std::process::exit(2);
        }
    };
    println!(
        "{how}: {} commits, {} changed paths, {} blobs read ({} bytes) in {:.3}s",
        work.commits,
        work.changes,
        work.blobs_read,
        work.blob_bytes,
        start.elapsed().as_secs_f64()
    );
}
