//! Parse the whole Dockerfile corpus (`../shared/corpus/dockerfiles`) on one thread
//! and report bytes per second. `benches/compare-parse.sh` times BuildKit's own
//! parser (PyPI `dockerfile==3.4.0`) over the same files for the ratio.

use std::path::{Path, PathBuf};

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

/// The allocator the `berth` binary runs with (src/main.rs), so the figure is the
/// parse speed `berth` gets rather than that of the system allocator.
#[global_allocator]
static GLOBAL: berth_alloc::Mimalloc = berth_alloc::Mimalloc;

fn corpus_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("BERTH_SHARED") {
        return Some(PathBuf::from(dir).join("corpus/dockerfiles")).filter(|p| p.is_dir());
    }
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    [root.join("../shared"), root.join("../../shared")]
        .into_iter()
        .map(|p| p.join("corpus/dockerfiles"))
        .find(|p| p.is_dir())
}

fn load(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                files.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    files
}

fn bench_parse(c: &mut Criterion) {
    let Some(dir) = corpus_dir() else {
        eprintln!("SKIPPED: parse bench: ../shared/corpus not found (set BERTH_SHARED)");
        return;
    };
    let files = load(&dir);
    let bytes: usize = files.iter().map(String::len).sum();
    eprintln!("parse bench: {} files, {} bytes", files.len(), bytes);
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(30);
    group.bench_function("corpus", |b| {
        b.iter(|| {
            for text in &files {
                black_box(berth_syntax::parse(black_box(text)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
