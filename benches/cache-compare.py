#!/usr/bin/env python3
"""Whole-process timings of `berth cache plan` on unchanged contexts, in one run.

1. The small demo context (fixtures/cache-demo): median wall time of `berth cache plan`
   (target: under 20 ms).
2. A generated 100,000-file context, committed to git: median wall time of
   `berth cache plan` against `git status --porcelain` on the same tree (target: within
   1.5x), with berth's peak memory (target: under 150 MiB).

With `--baseline OTHER_BERTH` (e.g. main's binary), every berth figure is also taken for
OTHER_BERTH in the same run, runs interleaved, and the ratio printed.

Usage: benches/cache-compare.py [--berth target/release/berth] [--baseline PATH] [--files 100000] [--runs 9]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_once(cmd, cwd=None):
    """Wall and CPU (user + system) milliseconds of one run of cmd."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = (time.perf_counter() - start) * 1000
    if status != 0:
        sys.exit(f"{cmd} failed")
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def timed(cmd, cwd=None, runs=9):
    """Median wall ms, all wall times, and median CPU ms of `runs` runs after a warm-up."""
    run_once(cmd, cwd)
    results = [run_once(cmd, cwd) for _ in range(runs)]
    walls = [w for w, _ in results]
    return statistics.median(walls), walls, statistics.median(c for _, c in results)


def timed_pair(cmd, other, runs=9):
    """`timed` for two commands, their runs interleaved: (median wall ms, walls) each."""
    run_once(cmd)
    run_once(other)
    mine, theirs = [], []
    for _ in range(runs):
        mine.append(run_once(cmd)[0])
        theirs.append(run_once(other)[0])
    return (statistics.median(mine), mine), (statistics.median(theirs), theirs)


def compare_line(what, cmd, other, runs):
    """One line comparing a berth command with the baseline's, interleaved."""
    (mine, _), (theirs, _) = timed_pair(cmd, other, runs)
    return (f"{what}: berth {mine:.1f} ms, baseline {theirs:.1f} ms, ratio {mine / theirs:.2f}x "
            f"(target <= 1.10x)")


def peak_rss_mib(cmd):
    """Peak resident memory (MiB) of one run of cmd, from wait4's rusage."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        sys.exit(f"{cmd} failed")
    return usage.ru_maxrss / 1024


def generate(root, files):
    with open(os.path.join(root, "Dockerfile"), "w") as f:
        f.write("FROM busybox\nWORKDIR /app\nCOPY package.json ./\nRUN install\nCOPY . .\nRUN build\n")
    with open(os.path.join(root, "package.json"), "w") as f:
        f.write("{}\n")
    with open(os.path.join(root, ".dockerignore"), "w") as f:
        f.write(".git\n")
    for i in range(files):
        d = os.path.join(root, "src", f"d{i // 1000:03}", f"e{(i // 100) % 10}")
        if i % 100 == 0:
            os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"f{i}.js"), "w") as f:
            f.write(f"export const x{i} = {i};\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--berth", default=os.path.join(ROOT, "target/release/berth"))
    ap.add_argument("--baseline", help="another berth binary to time side by side (e.g. main's)")
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--tree", help="reuse this generated tree (made by an earlier run with --keep)")
    ap.add_argument("--keep", action="store_true", help="keep the generated tree and print its path")
    args = ap.parse_args()
    berth = os.path.abspath(args.berth)
    if not os.access(berth, os.X_OK):
        sys.exit(f"{berth} not found: cargo build --release --bin berth")

    work = tempfile.mkdtemp(prefix="berth-cache-bench-")
    try:
        small = os.path.join(work, "small")
        shutil.copytree(os.path.join(ROOT, "fixtures/cache-demo"), small)
        state = os.path.join(work, "small.json")
        subprocess.run([berth, "cache", "record", small, "--state", state], check=True, stderr=subprocess.DEVNULL)
        small_ms, small_all, _ = timed([berth, "cache", "plan", small, "--state", state], runs=args.runs * 3)
        print(f"small context ({len(os.listdir(small))} top-level entries): berth cache plan median {small_ms:.1f} ms "
              f"(min {min(small_all):.1f}, max {max(small_all):.1f}; target < 20 ms)")
        baseline = os.path.abspath(args.baseline) if args.baseline else None
        if baseline:
            base_state = os.path.join(work, "small-baseline.json")
            subprocess.run([baseline, "cache", "record", small, "--state", base_state], check=True,
                           stderr=subprocess.DEVNULL)
            print(compare_line("small context, cache plan", [berth, "cache", "plan", small, "--state", state],
                               [baseline, "cache", "plan", small, "--state", base_state], args.runs * 3))

        git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
        t0 = time.perf_counter()
        if args.tree:
            large = os.path.abspath(args.tree)
        else:
            large = os.path.join(tempfile.mkdtemp(prefix="berth-cache-tree-") if args.keep else work, "large")
            os.makedirs(large)
            generate(large, args.files)
            subprocess.run(git + ["init", "-q"], cwd=large, check=True)
            subprocess.run(git + ["add", "-A"], cwd=large, check=True)
            subprocess.run(git + ["commit", "-q", "-m", "bench"], cwd=large, check=True)
            if args.keep:
                print(f"kept the generated tree at {large}")
        # Outside the racy-timestamp window of both tools (git and berth re-read files
        # modified within a second or two of their index / record).
        time.sleep(3)
        subprocess.run(git + ["update-index", "--refresh", "-q"], cwd=large, check=False)
        state = os.path.join(work, "large.json")
        subprocess.run([berth, "cache", "record", large, "--state", state], check=True, stderr=subprocess.DEVNULL)
        files = sum(len(f) for _, _, f in os.walk(large)) - sum(len(f) for _, _, f in os.walk(os.path.join(large, ".git")))
        print(f"tree of {files} files ready in {time.perf_counter() - t0:.1f} s; load average {os.getloadavg()[0]:.1f}")
        git_ms, git_all, git_cpu = timed(["git", "status", "--porcelain"], cwd=large, runs=args.runs)
        berth_cmd = [berth, "cache", "plan", large, "--state", state]
        berth_ms, berth_all, berth_cpu = timed(berth_cmd, runs=args.runs)
        rss = peak_rss_mib(berth_cmd)
        print(f"{files} files: git status --porcelain median {git_ms:.0f} ms wall (min {min(git_all):.0f}), {git_cpu:.0f} ms CPU; "
              f"berth cache plan median {berth_ms:.0f} ms wall (min {min(berth_all):.0f}), {berth_cpu:.0f} ms CPU; "
              f"wall ratio {berth_ms / git_ms:.2f}x (min/min {min(berth_all) / min(git_all):.2f}x), CPU ratio {berth_cpu / git_cpu:.2f}x "
              f"(target <= 1.5x); berth peak RSS {rss:.0f} MiB (target < 150 MiB); load average {os.getloadavg()[0]:.1f}")
        if baseline:
            base_state = os.path.join(work, "large-baseline.json")
            subprocess.run([baseline, "cache", "record", large, "--state", base_state], check=True,
                           stderr=subprocess.DEVNULL)
            base_cmd = [baseline, "cache", "plan", large, "--state", base_state]
            print(compare_line(f"{files} files, cache plan", berth_cmd, base_cmd, args.runs))
            print(f"baseline peak RSS {peak_rss_mib(base_cmd):.0f} MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
