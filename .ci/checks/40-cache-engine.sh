#!/usr/bin/env bash
# ci: per-engine
# The cache simulator against the real engines: every scenario of
# crates/berth-cache/tests/scenarios/ (the engine gap facts of issue 14 included) is built
# twice (before and after its change) on each engine of $BERTH_ENGINES (Docker 28, the
# reference, and Docker 20.10), and what the engine printed as CACHED is compared, step by
# step, with the scenario's expectation for that engine and with berth's plan under that
# engine's profile. Prints, per engine, scenarios and steps agreeing / total; fails when an
# engine does not do what a scenario says, or when berth disagrees with an engine. Needs
# the engines started by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${BERTH_ENGINE:-0}" != "1" ] || [ -z "${BERTH_ENGINES:-}" ]; then
    echo "SKIPPED: cache scenarios against the engines: \$BERTH_ENGINE is not 1 or \$BERTH_ENGINES is empty (no Docker engine is running; see scripts/engine.sh)"
    exit 0
fi

# A quick smoke test of the CLI on the demo fixture (record, then an unchanged plan).
if [ -n "${BERTH_BIN:-}" ]; then
    state=$(mktemp -d)/state.json
    "$BERTH_BIN" cache record fixtures/cache-demo --state "$state"
    "$BERTH_BIN" cache plan fixtures/cache-demo --state "$state" | tail -1
    rm -rf "$(dirname "$state")"
fi

runner=$(.ci/test-binary.sh berth-cache engine)
status=0
for version in $BERTH_ENGINES; do
    start=$(date +%s)
    log=$(mktemp)
    engine_status=0
    (
        eval "$(scripts/engine.sh env "$version")"
        cd crates/berth-cache
        BERTH_ENGINE=1 BERTH_SCENARIO_JOBS="${BERTH_SCENARIO_JOBS:-2}" "$runner" -q --nocapture
    ) >"$log" 2>&1 || engine_status=$?
    grep -E '^(ok|n/a|DISAGREE|ERROR|FLAKY|scenarios|SKIPPED)|^  line|test result' "$log" || true
    if [ "$engine_status" != 0 ]; then
        echo "FAILED: cache engine scenarios on Docker $version; full output:"
        cat "$log"
        status=1
    fi
    rm -f "$log"
    echo "cache engine scenarios on Docker $version took $(($(date +%s) - start))s"
done
exit "$status"
