//! `berth cache plan` of an unchanged context, in process: the small demo fixture and a
//! generated 10,000-file tree (the 100,000-file comparison with `git status` is in
//! `benches/cache-compare.py`, which times whole processes).

use std::path::Path;

use berth_cache::{plan, record, Baseline, Options};
use criterion::{criterion_group, criterion_main, Criterion};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn generated(root: &Path, files: usize) {
    std::fs::write(
        root.join("Dockerfile"),
        "FROM busybox\nWORKDIR /app\nCOPY package.json ./\nRUN install\nCOPY . .\nRUN build\n",
    )
    .unwrap();
    std::fs::write(root.join("package.json"), "{}").unwrap();
    for i in 0..files {
        let dir = root.join(format!("src/d{:03}", i / 100));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(format!("f{i}.js")),
            format!("export const x{i} = {i};\n"),
        )
        .unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let opts = Options::default();
    let work = tempfile::tempdir().unwrap();

    let small = work.path().join("small");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cache-demo"),
        &small,
    );
    let small_state = work.path().join("small.json");
    record(&small, &opts, &small_state).unwrap();
    c.bench_function("cache_plan_unchanged_small", |b| {
        b.iter(|| plan(&small, &opts, &Baseline::State(&small_state)).unwrap())
    });

    let large = work.path().join("large");
    std::fs::create_dir(&large).unwrap();
    generated(&large, 10_000);
    // Let the files age past the racy-timestamp window so their digests are reused.
    std::thread::sleep(std::time::Duration::from_secs(3));
    let large_state = work.path().join("large.json");
    record(&large, &opts, &large_state).unwrap();
    let mut group = c.benchmark_group("cache_plan_unchanged_10k_files");
    group.sample_size(20);
    group.bench_function("plan", |b| {
        b.iter(|| plan(&large, &opts, &Baseline::State(&large_state)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
