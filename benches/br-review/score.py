#!/usr/bin/env python3
"""Score a hand review of berth's cache-rule (BR) findings, and find what changed since.

    score.py [REVIEW.tsv]
        Verdict counts and precision, (useful + low-value) / all, per code and overall.

    score.py [REVIEW.tsv] --lint FINDINGS.json [--lint MORE.json ...]
    score.py [REVIEW.tsv] --berth path/to/berth [--corpus ../shared/corpus]
        Compare the review with the findings berth reports now (`berth lint --format json`
        output, or run berth over the corpus): findings that are new (not judged yet) and
        judged findings that disappeared, so the next review only judges what changed.
        `--draft OUT.tsv` writes the current findings with the verdicts carried over from the
        review and an empty verdict for every new one, ready to be completed.

    --min-precision 0.9   exit 1 when the review's overall precision is lower
    --complete            exit 1 when a current finding has no verdict

The review is a TSV with the columns file, line, column, code, verdict, reason and pattern;
`file` is relative to the corpus root (dockerfiles/<repo>/<file> or contexts/<name>/<file>),
verdict is one of useful, low-value, not-actionable, wrong, and pattern names the cause of a
verdict other than useful (README.md lists them); it may be empty. `--berth` lints the corpus the way the first
review did: every file of manifest.json with --no-context (the corpus folders are not the
files' build contexts), and the 15 real contexts with their context evidence.
"""

import argparse
import collections
import json
import os
import subprocess
import sys

COLUMNS = ["file", "line", "column", "code", "verdict", "reason", "pattern"]
VERDICTS = ("useful", "low-value", "not-actionable", "wrong")
POSITIVE = ("useful", "low-value")
HERE = os.path.dirname(os.path.abspath(__file__))


def corpus_relative(path):
    """The part of a path from `dockerfiles/` or `contexts/` on (the corpus root's children)."""
    path = path.replace("\\", "/")
    for root in ("dockerfiles/", "contexts/"):
        at = path.find(root)
        if at == 0 or (at > 0 and path[at - 1] == "/"):
            return path[at:]
    return path


def read_review(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header != COLUMNS:
            sys.exit(f"{path}:1: the header must be {' '.join(COLUMNS)} (tab-separated), not {header}")
        for number, line in enumerate(f, start=2):
            fields = line.rstrip("\n").split("\t")
            if len(fields) != len(COLUMNS):
                sys.exit(f"{path}:{number}: {len(fields)} columns, expected {len(COLUMNS)}")
            file, line_no, column, code, verdict, reason, pattern = fields
            if verdict not in VERDICTS + ("",):
                sys.exit(f"{path}:{number}: verdict {verdict!r} is none of {', '.join(VERDICTS)}")
            if verdict and not reason:
                sys.exit(f"{path}:{number}: a verdict needs a one-line reason")
            rows.append({
                "file": file, "line": int(line_no), "column": int(column), "code": code,
                "verdict": verdict, "reason": reason, "pattern": pattern,
            })
    return rows


def findings_from_json(paths):
    found = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for item in json.load(f):
                if not item.get("code", "").startswith("BR"):
                    continue
                found.append({
                    "file": corpus_relative(item["file"]), "line": item["line"],
                    "column": item["column"], "code": item["code"], "message": item.get("message", ""),
                })
    return found


def findings_from_berth(berth, corpus):
    """Lint the corpus like the first review: files by name (directory discovery would miss
    most corpus names), --no-context for the Dockerfile collection, context evidence for the
    real contexts."""
    with open(os.path.join(corpus, "manifest.json"), encoding="utf-8") as f:
        files = ["dockerfiles/" + record["file"] for record in json.load(f)]
    contexts = []
    for name in sorted(os.listdir(os.path.join(corpus, "contexts"))):
        for dirpath, _, names in os.walk(os.path.join(corpus, "contexts", name)):
            for n in names:
                if n == "Dockerfile" or n.startswith("Dockerfile.") or n.endswith(".Dockerfile"):
                    contexts.append(os.path.relpath(os.path.join(dirpath, n), corpus))
    found = []
    for extra, paths in ((["--no-context"], files), ([], sorted(contexts))):
        run = subprocess.run(
            [berth, "lint", "--format", "json", "--select", "BR", *extra, *paths],
            cwd=corpus, capture_output=True, text=True,
        )
        if run.returncode not in (0, 1):
            sys.exit(f"{berth} exited {run.returncode}:\n{run.stderr[-2000:]}")
        for item in json.loads(run.stdout or "[]"):
            found.append({
                "file": corpus_relative(item["file"]), "line": item["line"],
                "column": item["column"], "code": item["code"], "message": item.get("message", ""),
            })
    return found


def match(review, current):
    """Pair judged rows with current findings: the same file, line, column and code first,
    then the same file, line and code (a finding whose column moved). Returns the pairs, the
    unjudged findings and the judged rows no finding matches."""
    pairs = []
    left_rows = list(review)
    left_found = list(current)
    for key in (("file", "line", "column", "code"), ("file", "line", "code")):
        pool = collections.defaultdict(list)
        for row in left_rows:
            pool[tuple(row[k] for k in key)].append(row)
        unmatched = []
        for finding in left_found:
            bucket = pool.get(tuple(finding[k] for k in key))
            if bucket:
                pairs.append((bucket.pop(0), finding))
            else:
                unmatched.append(finding)
        left_found = unmatched
        left_rows = [row for rows in pool.values() for row in rows]
    return pairs, left_found, left_rows


def precision_table(rows):
    by_code = collections.defaultdict(collections.Counter)
    for row in rows:
        by_code[row["code"]][row["verdict"] or "unjudged"] += 1
    total = collections.Counter()
    for counts in by_code.values():
        total.update(counts)
    columns = VERDICTS + ("unjudged",)
    lines = [f"{'code':<8}" + "".join(f"{c:>16}" for c in columns) + f"{'all':>7}{'precision':>11}"]
    for code in sorted(by_code) + ["overall"]:
        counts = total if code == "overall" else by_code[code]
        judged = sum(counts[v] for v in VERDICTS)
        good = sum(counts[v] for v in POSITIVE)
        share = f"{100 * good / judged:.1f}%" if judged else "-"
        lines.append(
            f"{code:<8}" + "".join(f"{counts[c]:>16}" for c in columns)
            + f"{sum(counts.values()):>7}{share:>11}"
        )
    judged = sum(total[v] for v in VERDICTS)
    return "\n".join(lines), (sum(total[v] for v in POSITIVE) / judged if judged else 0.0)


def pattern_table(rows):
    """How many findings each pattern explains, per code and verdict."""
    counts = collections.Counter(
        (r["code"], r["pattern"], r["verdict"]) for r in rows if r["verdict"] and r["verdict"] != "useful"
    )
    lines = [f"{'code':<8}{'pattern':<28}{'verdict':<16}{'findings':>9}"]
    for (code, pattern, verdict), n in sorted(counts.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1])):
        lines.append(f"{code:<8}{pattern or '(none)':<28}{verdict:<16}{n:>9}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("review", nargs="?", default=os.path.join(HERE, "before.tsv"))
    parser.add_argument("--lint", action="append", default=[], metavar="JSON")
    parser.add_argument("--berth", metavar="BIN")
    parser.add_argument("--corpus", default=os.path.join(HERE, "..", "..", "..", "shared", "corpus"))
    parser.add_argument("--draft", metavar="OUT_TSV")
    parser.add_argument("--min-precision", type=float)
    parser.add_argument("--complete", action="store_true")
    args = parser.parse_args()

    review = read_review(args.review)
    files = len({r["file"] for r in review})
    repos = len({r["file"].split("/")[1] for r in review})
    print(f"{args.review}: {len(review)} findings in {files} files of {repos} repositories/contexts\n")
    table, precision = precision_table(review)
    print(table)
    print("\nwhat the findings that are not useful come from:\n" + pattern_table(review))
    status = 0
    if args.min_precision is not None and precision < args.min_precision:
        print(f"\nprecision {100 * precision:.1f}% is below {100 * args.min_precision:.1f}%")
        status = 1
    if args.complete and any(not r["verdict"] for r in review):
        print(f"\n{sum(not r['verdict'] for r in review)} findings have no verdict yet")
        status = 1

    if args.lint or args.berth:
        if args.berth and not os.path.isdir(args.corpus):
            sys.exit(f"no corpus at {args.corpus}: pass --corpus (../shared/corpus beside the repository)")
        current = findings_from_json(args.lint) if args.lint else findings_from_berth(args.berth, args.corpus)
        pairs, new, gone = match(review, current)
        print(f"\nnow: {len(current)} findings; {len(pairs)} already judged, {len(new)} new, "
              f"{len(gone)} judged findings gone")
        if gone:
            print("\njudged findings that disappeared (verdict, then the reason it was given):")
            for row in sorted(gone, key=lambda r: (r["code"], r["file"], r["line"])):
                print(f"  {row['code']} {row['file']}:{row['line']}:{row['column']}  "
                      f"[{row['verdict'] or 'unjudged'}] {row['reason']}")
            lost = collections.Counter(r["verdict"] or "unjudged" for r in gone)
            print("  by verdict: " + ", ".join(f"{v} {n}" for v, n in sorted(lost.items())))
        if new:
            print("\nnew findings to judge:")
            for finding in sorted(new, key=lambda f: (f["code"], f["file"], f["line"])):
                print(f"  {finding['code']} {finding['file']}:{finding['line']}:{finding['column']}  "
                      f"{finding['message'][:160]}")
        if args.draft:
            rows = [dict(row, line=f["line"], column=f["column"]) for row, f in pairs]
            rows += [dict(f, verdict="", reason="", pattern="") for f in new]
            rows.sort(key=lambda r: (r["file"].startswith("contexts/"), r["code"], r["file"], r["line"], r["column"]))
            with open(args.draft, "w", encoding="utf-8") as out:
                out.write("\t".join(COLUMNS) + "\n")
                for r in rows:
                    out.write("\t".join(str(r[c]) for c in COLUMNS) + "\n")
            print(f"\nwrote {args.draft}: {len(pairs)} verdicts carried over, {len(new)} to fill in")
    return status


if __name__ == "__main__":
    sys.exit(main())
