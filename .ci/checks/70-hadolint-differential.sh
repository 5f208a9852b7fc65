#!/usr/bin/env bash
# Differential against hadolint 2.15.1 over ../shared/corpus/dockerfiles, plus the speed
# comparison: runs hadolint fresh ($BERTH_HADOLINT) and berth ($BERTH_BIN) over the whole corpus
# once, prints the per-rule precision/recall table and both wall times with their ratio.
# Fails when overall precision or recall of the DL findings is below 99%.
set -euo pipefail
cd "$(dirname "$0")/../.."

: "${BERTH_HADOLINT:=$PWD/.venv-oracle/bin/hadolint}"
: "${BERTH_BIN:=$PWD/target/release/berth}"
python3 benches/compare-hadolint.py --time \
    --hadolint "$BERTH_HADOLINT" --berth "$BERTH_BIN" --min-overall 0.99
