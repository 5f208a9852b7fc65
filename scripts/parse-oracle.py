#!/usr/bin/env python3
"""Run BuildKit's parser (PyPI `dockerfile==3.4.0`, BuildKit v0.12.5) over Dockerfiles.

Usage: parse-oracle.py OUT.json ROOT...

Every regular file under each ROOT is parsed once, except the conformance
tree's expected dumps (`result`) and Markdown notes (`*.md`). Files are read as
bytes and decoded as UTF-8 with U+FFFD replacement, which is exactly what
`berth_syntax::parse_bytes` does, so both sides see the same text (Python's text
mode would translate CRLF, which BuildKit never sees).

OUT.json maps each path to either {"ok": [command, ...]} (the fields of
DESIGN.md 3.2) or {"error": "<message>"}. Also prints the total wall time of the
parse calls alone, for benches/compare-parse.sh.
"""
import json
import os
import sys
import time

import dockerfile


def is_dockerfile(name):
    return name != "result" and not name.endswith(".md")


def files_under(root):
    if os.path.isfile(root):
        yield root
        return
    for dirpath, dirnames, filenames in os.walk(root):
        # newer-buildkit/ holds fixtures for behaviour added after v0.12.5 (the oracle).
        dirnames[:] = sorted(d for d in dirnames if d != "newer-buildkit")
        for name in sorted(filenames):
            if is_dockerfile(name):
                yield os.path.join(dirpath, name)


def command_to_json(c):
    return {
        "cmd": c.cmd,
        "sub_cmd": c.sub_cmd,
        "json": c.json,
        "original": c.original,
        "start_line": c.start_line,
        "end_line": c.end_line,
        "flags": list(c.flags),
        "value": list(c.value),
        "heredocs": [
            {"name": h.name, "file_descriptor": h.file_descriptor, "content": h.content}
            for h in c.heredocs
        ],
    }


def main():
    out, roots = sys.argv[1], sys.argv[2:]
    results = {}
    texts = []
    for root in roots:
        for path in files_under(root):
            with open(path, "rb") as f:
                texts.append((path, f.read().decode("utf-8", "replace")))
    start = time.perf_counter()
    for path, text in texts:
        try:
            results[path] = {"ok": [command_to_json(c) for c in dockerfile.parse_string(text)]}
        except dockerfile.GoParseError as e:
            results[path] = {"error": str(e)}
    elapsed = time.perf_counter() - start
    with open(out, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True, ensure_ascii=False)
    total = sum(len(t.encode("utf-8")) for _, t in texts)
    print(f"oracle: {len(texts)} files, {total} bytes, parse time {elapsed:.3f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
