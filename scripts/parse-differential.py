#!/usr/bin/env python3
"""Differential test of `berth parse --format buildkit-json` against BuildKit's parser.

Usage: parse-differential.py BERTH_BIN ORACLE_JSON ROOT...

ORACLE_JSON is written by scripts/parse-oracle.py (run it first, with the oracle
venv's Python). For every file it lists, berth is run once; the two must give the
same JSON, or both reject the file. Prints the figures and every difference;
exits 1 if any file differs.
"""
import json
import subprocess
import sys


def c_string(value):
    """The package hands strings to Python as C strings, so a NUL byte ends them
    (BuildKit itself keeps it: see the `json` case of its parser tests). Apply the
    same cut to berth's output before comparing."""
    if isinstance(value, str):
        return value.split("\0", 1)[0]
    if isinstance(value, list):
        return [c_string(v) for v in value]
    if isinstance(value, dict):
        return {k: c_string(v) for k, v in value.items()}
    return value


def main():
    berth, oracle_path = sys.argv[1], sys.argv[2]
    with open(oracle_path) as f:
        oracle = json.load(f)
    same = both_reject = same_message = 0
    diffs = []
    for path in sorted(oracle):
        want = oracle[path]
        proc = subprocess.run(
            [berth, "parse", "--format", "buildkit-json", path], capture_output=True
        )
        if proc.returncode == 0:
            got = {"ok": c_string(json.loads(proc.stdout))}
        elif proc.returncode == 1:
            err = proc.stderr.decode("utf-8", "replace").strip()
            # FILE:LINE:COL: message
            got = {"error": err.split(": ", 1)[1] if ": " in err else err}
        else:
            diffs.append((path, f"berth exit {proc.returncode}: {proc.stderr.decode()[:300]}"))
            continue
        if "error" in want and "error" in got:
            both_reject += 1
            if want["error"] == got["error"]:
                same_message += 1
            else:
                print(f"note: both reject {path}: oracle {want['error']!r} / berth {got['error']!r}")
        elif want == got:
            same += 1
        elif "error" in want or "error" in got:
            diffs.append((path, f"accept/reject differs: oracle {str(want)[:200]} / berth {str(got)[:200]}"))
        else:
            w, g = want["ok"], got["ok"]
            detail = f"{len(w)} vs {len(g)} instructions"
            for a, b in zip(w, g):
                if a != b:
                    detail = f"first difference:\n  oracle {a}\n  berth  {b}"
                    break
            diffs.append((path, "dump differs: " + detail))
    total = len(oracle)
    agree = same + both_reject
    for path, why in diffs:
        print(f"DIFF {path}: {why}")
    print(
        f"parser differential: {agree}/{total} files agree ({100.0 * agree / max(total, 1):.2f}%): "
        f"{same} identical dumps, {both_reject} rejected by both ({same_message} with the same message), "
        f"{len(diffs)} differ"
    )
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
