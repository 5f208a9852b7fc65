#!/usr/bin/env bash
# ci: per-engine
# berth cache history against the real engines: every history repository of
# crates/berth-history/tests/repos/ is generated as a git repository and each commit of its
# first-parent line is built in turn by one builder that keeps every earlier build (and
# again with the --what-if Dockerfile), on each engine of $BERTH_ENGINES (Docker 28 and
# Docker 20.10). The engine's CACHED steps must equal the answers recorded in the files,
# which the offline tests hold berth's history to. Prints repositories, builds and steps
# agreeing; fails on any disagreement. Needs the engines started by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${BERTH_ENGINE:-0}" != "1" ]; then
    echo "SKIPPED: history repositories against the engine: \$BERTH_ENGINE is not 1 (no Docker engine is running; see scripts/engine.sh)"
    exit 0
fi

runner=$(.ci/test-binary.sh berth-history engine)
status=0
for version in ${BERTH_ENGINES:-28 20}; do
    start=$(date +%s)
    log=$(mktemp)
    rc=0
    echo "-- Docker $version"
    (
        eval "$(scripts/engine.sh env "$version")"
        cd crates/berth-history
        BERTH_ENGINE=1 "$runner" -q --nocapture
    ) >"$log" 2>&1 || rc=$?
    grep -E '^(ok|DISAGREE|ERROR|FLAKY|history:|SKIPPED)|^  commit|test result' "$log" || true
    if [ "$rc" != 0 ]; then
        status=$rc
        echo "FAILED: history repositories on Docker $version; full output:"
        cat "$log"
    fi
    rm -f "$log"
    echo "history repositories on Docker $version took $(( $(date +%s) - start ))s"
done
exit "$status"
