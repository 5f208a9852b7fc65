//! Linting throughput: every Dockerfile of `../shared/corpus/dockerfiles` (3,281 files, 6 MiB)
//! linted with the default rule set on one thread, in bytes per second. Without `../shared`
//! the repository's own `fixtures/` Dockerfiles are used instead (and the bench says so).
//!
//! `cargo bench -p berth-benches --bench lint`

use std::hint::black_box;
use std::path::{Path, PathBuf};

use berth_lint::{Linter, Settings};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn workspace() -> PathBuf {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf())
}

/// `../shared/corpus/dockerfiles` beside the workspace (or beside a git worktree's parent).
fn corpus_dir() -> Option<PathBuf> {
    workspace()
        .ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join("shared/corpus/dockerfiles"))
        .find(|dir| dir.is_dir())
}

/// (path, text) of every file under `dir`, sorted by path.
fn read_tree(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = walk(dir)
        .into_iter()
        .filter_map(|path| {
            let bytes = std::fs::read(&path).ok()?;
            Some((
                path.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ))
        })
        .collect();
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.is_file() {
            out.push(path);
        }
    }
    out
}

fn inputs() -> (&'static str, Vec<(String, String)>) {
    if let Some(dir) = corpus_dir() {
        return ("corpus", read_tree(&dir));
    }
    eprintln!("../shared/corpus not found: benchmarking the repository's fixtures/ instead");
    let fixtures = read_tree(&workspace().join("fixtures"))
        .into_iter()
        .filter(|(path, _)| path.contains("Dockerfile"))
        .collect();
    ("fixtures", fixtures)
}

fn lint_throughput(c: &mut Criterion) {
    let (name, files) = inputs();
    let bytes: usize = files.iter().map(|(_, text)| text.len()).sum();
    let settings = Settings::default();
    let linter = Linter::new(&settings);

    let mut group = c.benchmark_group("lint");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function(format!("{name} ({} files, one thread)", files.len()), |b| {
        b.iter(|| {
            let mut findings = 0;
            for (path, text) in &files {
                findings += linter.lint(black_box(text), path, None).diagnostics.len();
            }
            findings
        })
    });
    group.finish();
}

criterion_group!(benches, lint_throughput);
criterion_main!(benches);
