#!/usr/bin/env bash
# BuildKit conformance figures for variable expansion and the build checks:
#  - BuildKit's shell-lexer tables (../shared/conformance/buildkit-shell): every line must pass;
#  - BuildKit's check test cases (../shared/conformance/buildkit-lint-cases.json): rule and
#    line must match on at least 95% of the cases; every miss is listed.
# Both are cargo tests (already built by the test step); this script makes their figures
# visible in the CI log and fails if the shared data is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
export BERTH_SHARED_DIR="${BERTH_SHARED_DIR:-$(cd .. && pwd)/shared}"

run() {
    local label=$1 pattern=$2
    shift 2
    local out
    if ! out=$("$@" -- --nocapture 2>&1); then
        echo "$out" | tail -n 60
        echo "FAILED: $label"
        return 1
    fi
    if grep -q "SKIPPED" <<<"$out"; then
        grep "SKIPPED" <<<"$out"
        echo "FAILED: $label: shared conformance data not found under $BERTH_SHARED_DIR"
        return 1
    fi
    grep -E "$pattern" <<<"$out"
}

status=0
run "shell lexer tables" "envVarTest|wordsTest" \
    cargo test -q -p berth-syntax --test expand_conformance || status=1
run "build check cases" "buildkit-lint-cases|MISS" \
    cargo test -q -p berth-lint --lib rules::buildkit::conformance || status=1
exit $status
