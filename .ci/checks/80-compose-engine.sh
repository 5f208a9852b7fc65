#!/usr/bin/env bash
# Compose projects against the real `docker compose build` (Docker 28.5.2 with the compose
# plugin 2.40): every scenario of tests/compose-scenarios/ is built, changed and built
# again, and berth's per-service, per-step plan (`berth cache plan --compose`) is compared
# with what compose printed as CACHED. Prints scenarios, services and steps agreeing /
# total; fails on any disagreement. Needs the engines started by .ci/run (BERTH_ENGINE=1,
# BERTH_ENGINES listing 28).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${BERTH_ENGINE:-0}" != "1" ] || [[ " ${BERTH_ENGINES:-28} " != *" 28 "* ]]; then
    echo "SKIPPED: compose scenarios against the engine: Docker 28 is not running (see scripts/engine.sh up 28)"
    exit 0
fi
eval "$(scripts/engine.sh env 28)"
if ! "${BERTH_DOCKER:-docker}" compose version; then
    echo "FAILED: Docker 28's client has no compose plugin (see scripts/engine.sh)"
    exit 1
fi

start=$(date +%s)
log=$(mktemp)
status=0
BERTH_ENGINE=1 cargo test -q --test compose_engine -- --nocapture --test-threads=1 >"$log" 2>&1 || status=$?
grep -E '^(ok|DISAGREE|ERROR|compose scenarios:|SKIPPED)|^  service|test result' "$log" || true
if [ "$status" != 0 ]; then
    echo "FAILED: compose engine scenarios; full output:"
    cat "$log"
fi
echo "compose engine scenarios took $(( $(date +%s) - start ))s"
exit "$status"
