//! Hot paths of berth-context: `.dockerignore` matching, record hashing, and building a
//! snapshot's directory digests.

use berth_context::{file_record_bytes, Entry, EntryKind, Header, Matcher, RootHeader, Snapshot};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

/// Deterministic paths shaped like a node/python project.
fn paths(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| match i % 5 {
            0 => format!("src/module{}/file{}.js", i % 97, i),
            1 => format!("node_modules/pkg{}/lib/index{}.js", i % 89, i),
            2 => format!("tests/unit/test_{}.py", i),
            3 => format!("docs/chapter{}/page{}.md", i % 13, i),
            _ => format!("build/out/obj{}.o", i),
        })
        .collect()
}

fn matcher(c: &mut Criterion) {
    let patterns = [
        "node_modules",
        "**/*.o",
        "*.md",
        "!README.md",
        "docs/**",
        "!docs/chapter1/*.md",
        "build",
        "**/__pycache__",
        ".git",
    ];
    let m = Matcher::new(patterns).unwrap();
    let paths = paths(10_000);
    let mut group = c.benchmark_group("dockerignore");
    group.throughput(Throughput::Elements(paths.len() as u64));
    group.bench_function("is_excluded_10k_paths_9_patterns", |b| {
        b.iter(|| {
            paths
                .iter()
                .filter(|p| m.is_excluded(black_box(p.as_str())).unwrap())
                .count()
        })
    });
    group.bench_function("compile_9_patterns", |b| {
        b.iter(|| Matcher::new(black_box(patterns)).unwrap())
    });
    group.finish();
}

fn hashing(c: &mut Criterion) {
    let content: Vec<u8> = (0..(4u32 << 20))
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let header = Header {
        kind: EntryKind::File,
        mode: 0o644,
        size: content.len() as u64,
        link_target: b"",
        dev: (0, 0),
    };
    let mut group = c.benchmark_group("record");
    group.throughput(Throughput::Bytes(content.len() as u64));
    group.bench_function("sha256_file_record_4MiB", |b| {
        b.iter(|| file_record_bytes(&header, black_box(&content)))
    });
    group.finish();

    let entries: Vec<Entry> = paths(20_000)
        .iter()
        .map(|p| Entry::file(p.as_bytes(), 0o644, p.as_bytes()))
        .collect();
    let mut group = c.benchmark_group("snapshot");
    group.throughput(Throughput::Elements(entries.len() as u64));
    group.bench_function("from_entries_20k_files", |b| {
        b.iter(|| {
            Snapshot::from_entries(black_box(entries.clone()), RootHeader::Transfer).root_digest()
        })
    });
    let snap = Snapshot::from_entries(entries.clone(), RootHeader::Transfer);
    group.bench_function("select_wildcard_src", |b| {
        b.iter(|| {
            snap.select(black_box(&["src/module1*"]), &[] as &[&str])
                .unwrap()
                .digest
        })
    });
    group.bench_function("select_directory_node_modules", |b| {
        b.iter(|| {
            snap.select(black_box(&["node_modules"]), &[] as &[&str])
                .unwrap()
                .digest
        })
    });
    group.finish();
}

criterion_group!(benches, matcher, hashing);
criterion_main!(benches);
