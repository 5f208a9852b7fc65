#!/usr/bin/env bash
# Time BuildKit's own parser (PyPI dockerfile==3.4.0, a Go extension) over the same
# corpus as `cargo bench --bench parse`, in the same run, and print both figures.
# Usage: benches/compare-parse.sh [ORACLE_PYTHON]   (default .venv-oracle/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
py="${1:-${BERTH_ORACLE_PYTHON:-.venv-oracle/bin/python}}"
shared="${BERTH_SHARED:-../shared}"
[ -d "$shared/corpus/dockerfiles" ] || shared=../../shared
if [ ! -x "$py" ] || [ ! -d "$shared/corpus/dockerfiles" ]; then
    echo "SKIPPED: needs the oracle venv ($py) and $shared/corpus"
    exit 0
fi
# Absolute: cargo runs the bench from benches/, where a relative path means something else.
shared="$(cd "$shared" && pwd)"
echo "== BuildKit parser (Python package, parse calls only, 5 runs)"
"$py" - "$shared/corpus/dockerfiles" <<'PY'
import os, sys, time, statistics
import dockerfile
texts = []
for d, _, names in os.walk(sys.argv[1]):
    for n in names:
        with open(os.path.join(d, n), "rb") as f:
            texts.append(f.read().decode("utf-8", "replace"))
total = sum(len(t.encode()) for t in texts)
runs = []
for _ in range(5):
    t0 = time.perf_counter()
    for t in texts:
        try:
            dockerfile.parse_string(t)
        except dockerfile.GoParseError:
            pass
    runs.append(time.perf_counter() - t0)
med = statistics.median(runs)
print(f"reference: {len(texts)} files, {total} bytes, median {med*1000:.1f} ms, {total/med/1e6:.1f} MB/s")
PY
echo "== berth (criterion, one thread)"
BERTH_SHARED="$shared" cargo bench -p berth-benches --bench parse -- --noplot 2>&1 | grep -E "parse bench|time:|thrpt:"
