#!/usr/bin/env bash
# Differential test of berth's parser against BuildKit's (PyPI dockerfile==3.4.0):
# every corpus file, every conformance Dockerfile and berth's own fixtures/parse
# (except fixtures/parse/newer-buildkit, behaviour added after the oracle's
# BuildKit v0.12.5) must give the same
# `berth parse --format buildkit-json` output, or both must reject it.
set -euo pipefail
cd "$(dirname "$0")/../.."

shared="${BERTH_SHARED:-../shared}"
if [ -z "${BERTH_ORACLE_PYTHON:-}" ] || [ ! -x "${BERTH_ORACLE_PYTHON}" ]; then
    echo "SKIPPED: parser differential: \$BERTH_ORACLE_PYTHON (venv with dockerfile==3.4.0) not set or missing"
    exit 0
fi
if [ -z "${BERTH_BIN:-}" ] || [ ! -x "${BERTH_BIN}" ]; then
    echo "SKIPPED: parser differential: \$BERTH_BIN (release berth binary) not set or missing"
    exit 0
fi
if [ ! -d "$shared/corpus/dockerfiles" ]; then
    echo "SKIPPED: parser differential: $shared/corpus not found (set BERTH_SHARED)"
    exit 0
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$BERTH_ORACLE_PYTHON" scripts/parse-oracle.py "$out/oracle.json" \
    "$shared/corpus/dockerfiles" "$shared/conformance/buildkit-parser" fixtures/parse
python3 scripts/parse-differential.py "$BERTH_BIN" "$out/oracle.json"
