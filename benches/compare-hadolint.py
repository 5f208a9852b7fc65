#!/usr/bin/env python3
"""Differential comparison and speed comparison of `berth lint` against hadolint 2.15.1.

Runs both linters over a corpus of Dockerfiles (default: ../shared/corpus/dockerfiles) and
compares their DL findings as (file, code, line) triples, on the files both tools parse. Lines
are the first line of the instruction a finding is in (hadolint reports nothing else; berth
points inside instructions), taken from BuildKit's parser in the oracle venv.
hadolint is the reference: a berth finding it also reports is a true positive, one it does not
report is a false positive, and a hadolint finding berth misses is a false negative.

Entries of the intentional-differences file (crates/berth-lint/hadolint-differences.toml) are
places where berth deliberately does not follow hadolint; findings they match are counted on
their own line, not as errors. Every entry carries its reason.

hadolint is slow (about two minutes for the corpus on two cores), so its results are cached in
a JSON file under /tmp. `--fresh` (what CI uses) always re-runs it; `--time` times both tools
over the whole corpus in the same run and prints both wall times and the ratio (it implies
`--fresh`, since a cached run has no time).

Exit status: 0 when overall precision and recall reach --min-overall (and, with --strict-rules,
every rule with at least --rule-support findings reaches --min-rule); 1 otherwise; 2 on error.
"""

from __future__ import annotations

import argparse
import bisect
import collections
import concurrent.futures
import fnmatch
import json
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def find_shared() -> Path:
    """`../shared` beside the repository (also found from a git worktree nested one level deeper)."""
    for parent in ROOT.parents:
        if (parent / "shared" / "corpus").is_dir():
            return parent / "shared"
    return ROOT.parent / "shared"


DEFAULT_CORPUS = find_shared() / "corpus" / "dockerfiles"
DEFAULT_DIFFERENCES = ROOT / "crates" / "berth-lint" / "hadolint-differences.toml"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "berth-hadolint-corpus-cache.json"
CACHE_VERSION = 1


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.is_file())


def clean_env(home: str) -> dict[str, str]:
    """An environment in which neither tool finds a user's config file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HADOLINT_")}
    env.pop("XDG_CONFIG_HOME", None)
    env["HOME"] = home
    env["NO_COLOR"] = "1"
    return env


def is_dl(code: str) -> bool:
    return code.startswith("DL")


# ---------------------------------------------------------------------------------------------
# hadolint


def run_hadolint_batch(hadolint: str, files: list[Path], workdir: str, env) -> tuple[dict, bool]:
    """Lints a batch of files in one hadolint process. Returns (per-file results, ok)."""
    proc = subprocess.run(
        [hadolint, "-f", "json", "--no-fail", *map(str, files)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
    )
    try:
        findings = json.loads(proc.stdout) if proc.stdout.strip() else None
    except json.JSONDecodeError:
        findings = None
    if proc.returncode != 0 or findings is None:
        # hadolint crashed on some file of the batch (e.g. the 1-character WORKDIR crash):
        # the whole batch printed nothing usable.
        return {}, False
    results = {str(f): {"status": "ok", "findings": []} for f in files}
    for item in findings:
        entry = results.setdefault(item["file"], {"status": "ok", "findings": []})
        if item["code"] == "DL1000":
            entry["status"] = "parse-error"
            entry["error"] = {
                "line": item["line"],
                "column": item["column"],
                "message": item["message"],
            }
        else:
            entry["findings"].append([item["code"], item["line"]])
    return results, True


def run_hadolint_single(hadolint: str, file: Path, workdir: str, env) -> dict:
    results, ok = run_hadolint_batch(hadolint, [file], workdir, env)
    if ok:
        return results[str(file)]
    proc = subprocess.run(
        [hadolint, "-f", "json", "--no-fail", str(file)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
    )
    return {"status": "crash", "findings": [], "stderr": proc.stderr.strip()[:500]}


def run_hadolint(hadolint: str, files: list[Path], jobs: int, batch: int) -> tuple[dict, float]:
    """Lints every file; returns ({path: result}, wall seconds)."""
    with tempfile.TemporaryDirectory(prefix="berth-hadolint-") as home:
        env = clean_env(home)
        batches = [files[i : i + batch] for i in range(0, len(files), batch)]
        results: dict[str, dict] = {}
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(run_hadolint_batch, hadolint, b, home, env): b for b in batches}
            retry = []
            for fut in concurrent.futures.as_completed(futures):
                res, ok = fut.result()
                if ok:
                    results.update(res)
                else:
                    retry.extend(futures[fut])
            for path, res in zip(
                retry, pool.map(lambda f: run_hadolint_single(hadolint, f, home, env), retry)
            ):
                results[str(path)] = res
        return results, time.perf_counter() - started


def hadolint_version(hadolint: str) -> str:
    try:
        out = subprocess.run([hadolint, "--version"], capture_output=True, text=True).stdout
    except OSError as err:
        raise SystemExit(f"compare-hadolint: cannot run hadolint at {hadolint}: {err}")
    return out.strip()


def load_or_run_hadolint(args, files: list[Path]) -> tuple[dict, float | None]:
    key = {"version": CACHE_VERSION, "corpus": str(args.corpus), "count": len(files)}
    if not args.fresh and args.cache.exists():
        try:
            cached = json.loads(args.cache.read_text())
            if cached.get("key") == key:
                print(f"hadolint: cached results from {args.cache} ({cached['hadolint']})")
                return cached["results"], None
            print(f"hadolint: cache {args.cache} is for another corpus, re-running")
        except (json.JSONDecodeError, KeyError) as err:
            print(f"hadolint: unreadable cache {args.cache} ({err}), re-running")
    version = hadolint_version(args.hadolint)
    print(f"hadolint: running {version} on {len(files)} files ({args.jobs} jobs)...", flush=True)
    results, seconds = run_hadolint(args.hadolint, files, args.jobs, args.batch)
    tmp = args.cache.with_suffix(".tmp")
    tmp.write_text(json.dumps({"key": key, "hadolint": version, "results": results}))
    tmp.replace(args.cache)
    return results, seconds


# ---------------------------------------------------------------------------------------------
# berth


def run_berth(berth: str, files: list[Path]) -> tuple[dict, float]:
    """Lints every file in one berth process; returns ({path: result}, wall seconds)."""
    with tempfile.TemporaryDirectory(prefix="berth-lint-") as home:
        started = time.perf_counter()
        proc = subprocess.run(
            [berth, "lint", "--format", "json", *map(str, files)],
            cwd=home,
            env=clean_env(home),
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"compare-hadolint: berth lint exited {proc.returncode}")
    try:
        findings = json.loads(proc.stdout)
    except json.JSONDecodeError as err:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"compare-hadolint: berth lint printed invalid JSON: {err}")
    results = {str(f): {"status": "ok", "findings": []} for f in files}
    for item in findings:
        entry = results.setdefault(item["file"], {"status": "ok", "findings": []})
        if item["code"] == "DL1000":
            entry["status"] = "parse-error"
            entry["error"] = {"line": item["line"], "message": item["message"]}
        else:
            # One problem, one finding: a problem hadolint shares with a BuildKit check may be
            # reported under the check's name, with hadolint's code in "also".
            code = item["code"]
            if not code.startswith("DL") and str(item.get("also", "")).startswith("DL"):
                code = item["also"]
            entry["findings"].append([code, item["line"]])
    return results, seconds


# ---------------------------------------------------------------------------------------------
# line normalisation

RANGES_SCRIPT = r"""
import json, sys
import dockerfile
out = {}
for path in sys.stdin.read().split("\n"):
    if path:
        try:
            out[path] = [[c.start_line, c.end_line] for c in dockerfile.parse_file(path)]
        except Exception:
            pass
json.dump(out, sys.stdout)
"""


def instruction_ranges(python: str, files: list[Path]) -> dict[str, list[tuple[int, int]]]:
    """(start_line, end_line) of every instruction, from BuildKit's own parser (the oracle venv).

    hadolint reports every finding on the first line of its instruction; berth points at the
    exact place (a word on a continuation line, a command inside a RUN). Both are mapped to the
    first line of the instruction that contains them before comparing.
    """
    proc = subprocess.run([python, "-c", RANGES_SCRIPT], input="\n".join(map(str, files)),
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-2000:])
        raise SystemExit(f"compare-hadolint: {python} could not run BuildKit's parser "
                         "(pip install dockerfile==3.4.0), or pass --exact-lines")
    return {k: [tuple(r) for r in v] for k, v in json.loads(proc.stdout).items()}


def normalise_lines(results: dict, ranges: dict) -> None:
    for path, entry in results.items():
        spans = ranges.get(path)
        if not spans:
            continue
        starts = [s for s, _ in spans]
        for finding in entry["findings"]:
            i = bisect.bisect_right(starts, finding[1]) - 1
            if i >= 0 and spans[i][0] <= finding[1] <= spans[i][1]:
                finding[1] = spans[i][0]


# ---------------------------------------------------------------------------------------------
# intentional differences


class Differences:
    """Entries of the intentional-differences file, matched against mismatches."""

    SIDES = ("berth-only", "hadolint-only")

    def __init__(self, path: Path):
        self.entries = []
        if not path.exists():
            print(f"note: no intentional-differences file at {path}")
            return
        data = tomllib.loads(path.read_text())
        for i, entry in enumerate(data.get("difference", [])):
            where = f"{path}: difference #{i + 1}"
            for field in ("code", "side", "reason"):
                if not entry.get(field):
                    raise SystemExit(f"{where}: missing `{field}`")
            if entry["side"] not in self.SIDES:
                raise SystemExit(f"{where}: side must be one of {self.SIDES}")
            entry.setdefault("files", ["*"])
            entry["used"] = 0
            self.entries.append(entry)

    def match(self, side: str, rel: str, code: str, line: int):
        for entry in self.entries:
            if not entry.get("corpus", True):
                continue  # documented only: must not explain away a corpus mismatch
            if entry["side"] != side or not fnmatch.fnmatchcase(code, entry["code"]):
                continue
            if "lines" in entry and line not in entry["lines"]:
                continue
            if any(fnmatch.fnmatchcase(rel, pat) for pat in entry["files"]):
                entry["used"] += 1
                return entry
        return None


# ---------------------------------------------------------------------------------------------
# comparison


def ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def compare(args, files, hadolint_res, berth_res, diffs: Differences):
    stats = collections.defaultdict(lambda: collections.Counter())
    mismatches = collections.defaultdict(list)
    excluded = collections.Counter()
    excluded_files = collections.defaultdict(list)
    compared = 0
    for path in files:
        key = str(path)
        rel = str(path.relative_to(args.corpus))
        h = hadolint_res.get(key, {"status": "missing", "findings": []})
        b = berth_res.get(key, {"status": "missing", "findings": []})
        if h["status"] != "ok" or b["status"] != "ok":
            label = f"hadolint {h['status']}, berth {b['status']}"
            excluded[label] += 1
            excluded_files[label].append(rel)
            continue
        compared += 1
        hset = collections.Counter((c, l) for c, l in h["findings"] if is_dl(c))
        bset = collections.Counter((c, l) for c, l in b["findings"] if is_dl(c))
        for (code, line), n in (hset | bset).items():
            both = min(hset[(code, line)], bset[(code, line)])
            stats[code]["tp"] += both
            for side, extra in (
                ("berth-only", bset[(code, line)] - both),
                ("hadolint-only", hset[(code, line)] - both),
            ):
                if extra <= 0:
                    continue
                entry = diffs.match(side, rel, code, line)
                if entry:
                    stats[code]["intentional"] += extra
                    continue
                stats[code]["fp" if side == "berth-only" else "fn"] += extra
                mismatches[code].append((side, rel, line))
    return stats, mismatches, compared, excluded, excluded_files


def print_table(stats) -> tuple[float, float, list[str]]:
    print()
    print(f"{'code':<8} {'hadolint':>8} {'berth':>7} {'TP':>6} {'FP':>5} {'FN':>5} "
          f"{'intent':>6} {'precision':>9} {'recall':>7}")
    total = collections.Counter()
    weak = []
    for code in sorted(stats):
        s = stats[code]
        total.update(s)
        hcount, bcount = s["tp"] + s["fn"], s["tp"] + s["fp"]
        p, r = ratio(s["tp"], bcount), ratio(s["tp"], hcount)
        flag = ""
        if max(hcount, bcount) >= ARGS.rule_support and min(p, r) < ARGS.min_rule:
            flag = "  <-- below per-rule bar"
            weak.append(code)
        print(f"{code:<8} {hcount:>8} {bcount:>7} {s['tp']:>6} {s['fp']:>5} {s['fn']:>5} "
              f"{s['intentional']:>6} {p:>9.2%} {r:>7.2%}{flag}")
    p = ratio(total["tp"], total["tp"] + total["fp"])
    r = ratio(total["tp"], total["tp"] + total["fn"])
    print(f"{'ALL':<8} {total['tp'] + total['fn']:>8} {total['tp'] + total['fp']:>7} "
          f"{total['tp']:>6} {total['fp']:>5} {total['fn']:>5} {total['intentional']:>6} "
          f"{p:>9.2%} {r:>7.2%}")
    return p, r, weak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--hadolint", default=os.environ.get("BERTH_HADOLINT")
                        or str(ROOT / ".venv-oracle" / "bin" / "hadolint"))
    parser.add_argument("--berth", default=os.environ.get("BERTH_BIN")
                        or str(ROOT / "target" / "release" / "berth"))
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="hadolint results cache (default: %(default)s)")
    parser.add_argument("--fresh", action="store_true", help="re-run hadolint, refresh the cache")
    parser.add_argument("--hadolint-only", action="store_true",
                        help="only run hadolint and fill the cache")
    parser.add_argument("--time", action="store_true",
                        help="time both tools over the whole corpus (implies --fresh)")
    parser.add_argument("--oracle-python", default=os.environ.get("BERTH_ORACLE_PYTHON")
                        or str(ROOT / ".venv-oracle" / "bin" / "python"),
                        help="python with BuildKit's parser (dockerfile==3.4.0), for line ranges")
    parser.add_argument("--exact-lines", action="store_true",
                        help="compare raw lines instead of instruction start lines")
    parser.add_argument("--differences", type=Path, default=DEFAULT_DIFFERENCES)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2,
                        help="parallel hadolint processes (default: %(default)s)")
    parser.add_argument("--batch", type=int, default=40, help="files per hadolint process")
    parser.add_argument("--codes", default="",
                        help="comma list of DL codes (glob) to compare; default all")
    parser.add_argument("--show", default="",
                        help="comma list of codes (glob) whose mismatches are listed")
    parser.add_argument("--show-limit", type=int, default=30)
    parser.add_argument("--min-overall", type=float, default=0.99)
    parser.add_argument("--min-rule", type=float, default=0.95)
    parser.add_argument("--rule-support", type=int, default=10)
    parser.add_argument("--strict-rules", action="store_true",
                        help="also fail when a rule firing --rule-support times is below --min-rule")
    global ARGS
    ARGS = args = parser.parse_args()
    args.corpus = args.corpus.resolve()
    # Both tools run from an empty directory (no config file is found there).
    args.berth = str(Path(args.berth).resolve())
    args.hadolint = str(Path(args.hadolint).resolve())
    if not args.corpus.is_dir():
        print(f"compare-hadolint: corpus {args.corpus} not found (is ../shared beside the repo?)")
        return 2
    files = corpus_files(args.corpus)
    if args.time:
        args.fresh = True

    hadolint_res, h_seconds = load_or_run_hadolint(args, files)
    if args.hadolint_only:
        print(f"hadolint: {h_seconds:.1f} s" if h_seconds else "hadolint: cached")
        return 0
    if not Path(args.berth).exists():
        print(f"compare-hadolint: no berth binary at {args.berth} (cargo build --release)")
        return 2
    berth_res, b_seconds = run_berth(args.berth, files)
    diffs = Differences(args.differences)
    if not args.exact_lines:
        ranges = instruction_ranges(args.oracle_python, files)
        normalise_lines(hadolint_res, ranges)
        normalise_lines(berth_res, ranges)

    if args.codes:
        pats = args.codes.split(",")
        for res in (hadolint_res, berth_res):
            for entry in res.values():
                entry["findings"] = [f for f in entry["findings"]
                                     if any(fnmatch.fnmatchcase(f[0], p) for p in pats)]

    stats, mismatches, compared, excluded, excluded_files = compare(
        args, files, hadolint_res, berth_res, diffs)

    print(f"\nfiles: {len(files)} in corpus, {compared} parsed by both tools and compared")
    for label, n in sorted(excluded.items()):
        shown = ", ".join(excluded_files[label][:3])
        print(f"  not compared ({label}): {n}  e.g. {shown}")
    p, r, weak = print_table(stats)
    for entry in diffs.entries:
        if entry["used"] == 0 and entry.get("corpus", True) and not args.codes:
            print(f"note: intentional difference matched nothing: {entry['code']} "
                  f"{entry['side']} {entry['files']}")

    if args.show:
        pats = args.show.split(",")
        for code in sorted(mismatches):
            if not any(fnmatch.fnmatchcase(code, p) for p in pats):
                continue
            print(f"\nmismatches of {code} ({len(mismatches[code])}):")
            for side, rel, line in sorted(mismatches[code])[: args.show_limit]:
                print(f"  {side:<13} {rel}:{line}")

    if h_seconds is not None:
        print(f"\nspeed: whole corpus ({len(files)} files)")
        print(f"  hadolint {h_seconds:8.2f} s  ({args.jobs} parallel processes, "
              f"{args.batch} files each)")
        print(f"  berth    {b_seconds:8.3f} s  (one process)")
        print(f"  ratio    {h_seconds / b_seconds:8.1f}x")

    status = 0
    if p < args.min_overall or r < args.min_overall:
        print(f"\nFAIL: overall precision {p:.2%} / recall {r:.2%} below {args.min_overall:.0%}")
        status = 1
    if weak:
        print(f"{'FAIL' if args.strict_rules else 'note'}: below {args.min_rule:.0%} "
              f"with >= {args.rule_support} findings: {', '.join(weak)}")
        if args.strict_rules:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
