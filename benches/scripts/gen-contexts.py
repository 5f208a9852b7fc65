#!/usr/bin/env python3
"""Deterministic build contexts for the context-hashing benchmarks.

    gen-contexts.py big DIR      about 1 GiB in 20,000 files of mixed sizes (log-uniform
                                 512 B .. 8 MiB, scaled to 1 GiB), 200 directories
    gen-contexts.py small DIR    100,000 small files (0 .. 2 KiB) in 1,000 directories,
                                 plus a .dockerignore excluding .git

Content is pseudo-random (seeded), so every run produces the same bytes. A file
DIR/.berth-generated marks a finished tree; an existing finished tree is left alone.
"""
import math
import os
import random
import sys

TARGET_BIG = 1 << 30


def write_tree(root, files):
    os.makedirs(root, exist_ok=True)
    for rel, size, rng in files:
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            remaining = size
            while remaining:
                n = min(remaining, 1 << 20)
                f.write(rng.randbytes(n))
                remaining -= n


def big(root):
    rng = random.Random(20250101)
    count = 20_000
    raw = [math.exp(rng.uniform(math.log(512), math.log(8 << 20))) for _ in range(count)]
    scale = TARGET_BIG / sum(raw)
    data = random.Random(7)
    files = []
    for i, r in enumerate(raw):
        rel = f"d{i % 20:02}/s{(i // 20) % 10}/f{i:05}.bin"
        files.append((rel, max(1, int(r * scale)), data))
    write_tree(root, files)


def small(root):
    rng = random.Random(424242)
    files = []
    for i in range(100_000):
        rel = f"m{i % 10}/n{(i // 10) % 100}/file{i:06}.txt"
        files.append((rel, rng.randrange(0, 2048), rng))
    write_tree(root, files)
    with open(os.path.join(root, ".dockerignore"), "w") as f:
        f.write(".git\n")


def main():
    kind, root = sys.argv[1], sys.argv[2]
    marker = os.path.join(root, ".berth-generated")
    if os.path.exists(marker):
        return
    {"big": big, "small": small}[kind](root)
    open(marker, "w").close()


if __name__ == "__main__":
    main()
