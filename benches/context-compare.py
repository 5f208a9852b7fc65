#!/usr/bin/env python3
"""One-run comparison of berth's context hashing with the reference tools (DESIGN.md 6).

Prints, on generated deterministic contexts (benches/scripts/gen-contexts.py):
  1. warm hashing of ~1 GiB / 20,000 files: `berth context hash` vs
     `find CTX -type f -print0 | xargs -0 -P2 -n64 openssl dgst -sha256` (target <= 1.15x);
  2. re-scan of the unchanged 100,000-file tree with a stat cache
     (`berth context hash --state`) vs `git status --porcelain` on the same tree committed
     to git (target <= 1.5x);
  3. peak RSS of berth on the 100,000-file tree, full hash and re-scan
     (`/usr/bin/time -v`, target <= 150 MiB).
Runs are interleaved and each figure is the median of RUNS (default 5) runs.

With `--baseline OTHER_BERTH` (e.g. main's binary) OTHER_BERTH is timed in the same
interleaved rounds on every berth figure, and the ratios are printed.

Usage: benches/context-compare.py [--berth PATH] [--baseline PATH] [--dir /tmp/berth-bench] [--runs N]
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(cmd, cwd=None, shell=False):
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, shell=shell, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def peak_rss_kib(cmd, cwd=None):
    out = subprocess.run(["/usr/bin/time", "-v"] + cmd, cwd=cwd, check=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True).stderr
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out).group(1))


def interleaved(runs, commands):
    """Run each (name, thunk) once to warm up, then `runs` rounds in turn; medians."""
    for _, thunk in commands:
        thunk()
    times = {name: [] for name, _ in commands}
    for _ in range(runs):
        for name, thunk in commands:
            times[name].append(thunk())
    return {name: statistics.median(t) for name, t in times.items()}, times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--berth", default=os.environ.get("BERTH_BIN", os.path.join(ROOT, "target/release/berth")))
    ap.add_argument("--dir", default=os.environ.get("BERTH_BENCH_DIR", "/tmp/berth-bench"))
    ap.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", "5")))
    ap.add_argument("--baseline", help="another berth binary to time side by side (e.g. main's)")
    args = ap.parse_args()
    for tool in ("openssl", "git", "/usr/bin/time"):
        if not shutil.which(tool):
            sys.exit(f"missing {tool} (Debian packages openssl, git, time)")
    if not os.access(args.berth, os.X_OK):
        subprocess.run(["cargo", "build", "--release", "--bin", "berth"], cwd=ROOT, check=True)
    big = os.path.join(args.dir, "big")
    small = os.path.join(args.dir, "small")
    gen = os.path.join(HERE, "scripts", "gen-contexts.py")
    subprocess.run([sys.executable, gen, "big", big], check=True)
    subprocess.run([sys.executable, gen, "small", small], check=True)
    if not os.path.isdir(os.path.join(small, ".git")):
        git = ["git", "-c", "user.email=bench@berth", "-c", "user.name=bench"]
        subprocess.run(git + ["init", "-q"], cwd=small, check=True)
        subprocess.run(git + ["add", "-A"], cwd=small, check=True)
        subprocess.run(git + ["commit", "-qm", "bench tree"], cwd=small, check=True)
    state = os.path.join(args.dir, "small.state")
    if os.path.exists(state):
        os.remove(state)
    # First run: hashes everything and writes the stat cache.
    subprocess.run([args.berth, "context", "hash", small, "--state", state], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["git", "update-index", "--refresh", "-q"], cwd=small, check=False)

    nbig = sum(len(f) for _, _, f in os.walk(big))
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(big) for f in fs)
    print(f"machine: {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f}; runs: {args.runs}")
    print(f"big context: {nbig} files, {size / 2**20:.0f} MiB; small context: 100,000 files")

    baseline = args.baseline
    base_state = os.path.join(args.dir, "small-baseline.state")
    if baseline:
        if os.path.exists(base_state):
            os.remove(base_state)
        subprocess.run([baseline, "context", "hash", small, "--state", base_state], check=True,
                       stdout=subprocess.DEVNULL)

    def versus(name, med):
        return (f"; baseline {med['baseline']:.3f} s, berth/baseline {med[name] / med['baseline']:.2f}x"
                if baseline else "")

    openssl = f"find {big} -type f -print0 | xargs -0 -P2 -n64 openssl dgst -sha256 >/dev/null"
    commands = [
        ("berth", lambda: run([args.berth, "context", "hash", big, "--format", "json"])),
        ("openssl", lambda: run(openssl, shell=True)),
    ]
    if baseline:
        commands.append(("baseline", lambda: run([baseline, "context", "hash", big, "--format", "json"])))
    med, _ = interleaved(args.runs, commands)
    r1 = med["berth"] / med["openssl"]
    print(f"warm hash 1 GiB: berth {med['berth']:.3f} s ({size / med['berth'] / 2**30:.2f} GiB/s), "
          f"openssl x2 {med['openssl']:.3f} s; ratio {r1:.2f}x (target <= 1.15x){versus('berth', med)}")

    commands = [
        ("berth", lambda: run([args.berth, "context", "hash", small, "--state", state])),
        ("git", lambda: run(["git", "status", "--porcelain"], cwd=small)),
    ]
    if baseline:
        commands.append(("baseline", lambda: run([baseline, "context", "hash", small, "--state", base_state])))
    med, _ = interleaved(args.runs, commands)
    r2 = med["berth"] / med["git"]
    print(f"re-scan 100k unchanged: berth --state {med['berth'] * 1000:.0f} ms, "
          f"git status --porcelain {med['git'] * 1000:.0f} ms; ratio {r2:.2f}x (target <= 1.5x)"
          f"{versus('berth', med)}")

    rss_rescan = peak_rss_kib([args.berth, "context", "hash", small, "--state", state])
    rss_full = peak_rss_kib([args.berth, "context", "hash", small])
    rss_ls = peak_rss_kib([args.berth, "context", "ls", small])
    print(f"peak RSS 100k tree: full hash {rss_full / 1024:.1f} MiB, re-scan {rss_rescan / 1024:.1f} MiB, "
          f"ls {rss_ls / 1024:.1f} MiB (target <= 150 MiB)")
    if baseline:
        rss_rescan = peak_rss_kib([baseline, "context", "hash", small, "--state", base_state])
        rss_full = peak_rss_kib([baseline, "context", "hash", small])
        print(f"baseline peak RSS 100k tree: full hash {rss_full / 1024:.1f} MiB, re-scan {rss_rescan / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
