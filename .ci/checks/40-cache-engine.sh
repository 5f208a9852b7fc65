#!/usr/bin/env bash
# The cache simulator against the real engine: every scenario of
# crates/berth-cache/tests/scenarios/ is built twice (before and after its change) with
# Docker 20.10.24's BuildKit, and berth's plan is compared with what the engine printed
# as CACHED, step by step. Prints scenarios and steps agreeing / total; fails on any
# disagreement. Needs the engine started by .ci/run (BERTH_ENGINE=1).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${BERTH_ENGINE:-0}" != "1" ]; then
    echo "SKIPPED: cache scenarios against the engine: \$BERTH_ENGINE is not 1 (the Docker engine is not running; see scripts/engine.sh)"
    exit 0
fi
eval "$(scripts/engine.sh env 20)"

# A quick smoke test of the CLI on the demo fixture (record, then an unchanged plan).
if [ -n "${BERTH_BIN:-}" ]; then
    state=$(mktemp -d)/state.json
    "$BERTH_BIN" cache record fixtures/cache-demo --state "$state"
    "$BERTH_BIN" cache plan fixtures/cache-demo --state "$state" | tail -1
fi

start=$(date +%s)
log=$(mktemp)
status=0
BERTH_ENGINE=1 BERTH_SCENARIO_JOBS="${BERTH_SCENARIO_JOBS:-2}" \
    cargo test -q -p berth-cache --test engine -- --nocapture >"$log" 2>&1 || status=$?
grep -E '^(ok|DISAGREE|ERROR|FLAKY|scenarios:|steps:|SKIPPED)|^  line|test result' "$log" || true
if [ "$status" != 0 ]; then
    echo "FAILED: cache engine scenarios; full output:"
    cat "$log"
fi
echo "cache engine scenarios took $(( $(date +%s) - start ))s"
exit "$status"
