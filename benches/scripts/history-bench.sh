#!/usr/bin/env bash
# The history bar (DESIGN.md section 6): `berth cache history` over 1,000 commits of a
# 20,000-file tree in at most 5 s and 300 MiB. Generates the repository once with
# gen-history.py (git fast-import), then times the command RUNS times (default 5) and
# prints the median wall time, the time per commit and the peak memory.
#
#   benches/scripts/history-bench.sh [--what-if] [REPO_DIR]
#
# BERTH_BIN: the berth binary (default target/release/berth; build it with
# `cargo build --release --bin berth`). REPO_DIR defaults to /tmp/berth-history-bench.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="${BERTH_BIN:-$ROOT/target/release/berth}"
RUNS="${RUNS:-5}"
extra=()
if [ "${1:-}" = "--what-if" ]; then
    shift
    extra=(--what-if WHATIF)
fi
REPO="${1:-/tmp/berth-history-bench}"
[ -x "$BIN" ] || { echo "no berth binary at $BIN (cargo build --release --bin berth)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time is missing (apt-get install time)" >&2; exit 2; }

python3 "$HERE/gen-history.py" "$REPO"
commits=$(git -C "$REPO" rev-list --first-parent --count HEAD)
files=$(git -C "$REPO" ls-tree -r HEAD | wc -l)
if [ ${#extra[@]} -gt 0 ]; then
    # The what-if: the same service with the manifest copied before the install.
    whatif="$REPO/../berth-history-bench.reordered"
    sed -e 's|^COPY \. \.$|COPY package.json package-lock.json ./|' \
        -e 's|^RUN npm ci$|RUN npm ci\nCOPY . .|' "$REPO/Dockerfile" >"$whatif"
    extra=(--what-if "$whatif")
fi
echo "history: $commits first-parent commits over $files files; berth $("$BIN" --version 2>/dev/null | head -1)"
walls=()
peak=0
for _ in $(seq 1 "$RUNS"); do
    out=$( { /usr/bin/time -f '%e %M' "$BIN" cache history "$REPO" --format json -o /dev/null "${extra[@]}" >/dev/null; } 2>&1 | tail -1)
    wall=${out% *}
    rss=${out#* }
    walls+=("$wall")
    [ "$rss" -gt "$peak" ] && peak=$rss
done
median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
per_commit=$(awk -v t="$median" -v n="$commits" 'BEGIN {printf "%.2f", t * 1000 / n}')
peak_mib=$(( peak / 1024 ))
echo "berth cache history ${extra[*]}: median ${median}s of $RUNS runs (${walls[*]}), ${per_commit} ms per commit, peak ${peak_mib} MiB"
status=0
awk -v t="$median" 'BEGIN {exit !(t <= 5)}' || { echo "OVER THE BAR: ${median}s > 5 s"; status=1; }
[ "$peak_mib" -le 300 ] || { echo "OVER THE BAR: ${peak_mib} MiB > 300 MiB"; status=1; }
exit $status
