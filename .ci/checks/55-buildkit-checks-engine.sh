#!/usr/bin/env bash
# berth's BuildKit checks and build errors against `docker build --call=check` on Docker 28
# (scripts/check-differential.py): a fixed, spread sample of corpus files plus BuildKit's own
# check cases. Prints the agreement per rule and on the engine's errors; fails on any
# difference that crates/berth-lint/buildkit-check-differences.toml does not list with its
# reason. The whole corpus: `scripts/check-differential.py` without --sample (cached in /tmp).
#
# Env: BERTH_BIN (berth binary), BERTH_ENGINES (engines up; needs 28),
# BERTH_CHECK_SAMPLE (corpus files compared, default 300).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${BERTH_ENGINE:-0}" != 1 ] || [[ " ${BERTH_ENGINES:-} " != *" 28 "* ]]; then
    echo "SKIPPED: check differential: Docker 28 is not running (BERTH_ENGINES=${BERTH_ENGINES:-})"
    exit 0
fi
shared=""
for candidate in ../shared ../../shared; do
    [ -d "$candidate/corpus/dockerfiles" ] && { shared="$candidate"; break; }
done
if [ -z "$shared" ]; then
    echo "SKIPPED: check differential: ../shared/corpus not found"
    exit 0
fi
eval "$(scripts/engine.sh env 28)"
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
start=$(date +%s)
python3 scripts/check-differential.py --berth "${BERTH_BIN:-$PWD/target/release/berth}" \
    --corpus "$shared/corpus/dockerfiles" --cases "$shared/conformance/buildkit-lint-cases.json" \
    --sample "${BERTH_CHECK_SAMPLE:-300}" --cache "$cache/engine.jsonl" --jobs 2
echo "check differential took $(($(date +%s) - start))s"
