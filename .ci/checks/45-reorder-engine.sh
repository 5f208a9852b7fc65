#!/usr/bin/env bash
# The BR101 reorder fix proven on the engine: for every project of fixtures/reorder/ (one per
# ecosystem), `berth lint --fix --unsafe-fixes` rewrites a copy of its Dockerfile, and
# fixtures/reorder/verify.sh builds the original and the rewritten file with the busybox
# stand-ins, then checks that
#   - both images hold the same filesystem (docker export: paths, modes, owners, digests);
#   - after a source-only edit the rewritten file's dependency step is CACHED and the
#     original's re-ran.
# Runs on Docker 28 (the reference) and, when it is up, Docker 20.10 (whose built-in frontend
# has no `COPY --link`: the pnpm fixture is left out there). Prints one line per check and the
# figures per engine; fails on any failed check. Needs the engines started by .ci/run
# (BERTH_ENGINE=1) and the release binary ($BERTH_BIN, else target/release/berth).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${BERTH_ENGINE:-0}" != "1" ] || [[ " ${BERTH_ENGINES:-28} " != *" 28 "* ]]; then
    echo "SKIPPED: reorder fix on the engine: Docker 28 is not running (\$BERTH_ENGINE / \$BERTH_ENGINES; see scripts/engine.sh)"
    exit 0
fi
BERTH="${BERTH_BIN:-$PWD/target/release/berth}"
[ -x "$BERTH" ] || { echo "FAILED: reorder fix: no berth binary at $BERTH"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -a fixtures/reorder "$work/reorder"
fixtures=()
for dir in "$work"/reorder/*/; do
    [ -f "$dir/Dockerfile.expected" ] || continue
    name=$(basename "$dir")
    cp "$dir/Dockerfile" "$dir/Dockerfile.fixed"
    # Exit 1 is "findings left" (other rules' warnings); 2 is an error.
    code=0
    "$BERTH" lint --fix --unsafe-fixes -f json -o /dev/null "$dir/Dockerfile.fixed" 2>"$work/$name.fix.err" || code=$?
    if [ "$code" -ge 2 ]; then
        echo "FAILED: reorder fix: berth lint --fix on $name exited $code"
        cat "$work/$name.fix.err"
        exit 1
    fi
    if cmp -s "$dir/Dockerfile.fixed" "$dir/Dockerfile.expected"; then
        echo "fixed:  $name: the rewrite is Dockerfile.expected"
    else
        echo "note:   $name: the rewrite differs from Dockerfile.expected:"
        diff "$dir/Dockerfile.expected" "$dir/Dockerfile.fixed" || true
    fi
    fixtures+=("$name")
done

status=0
for version in 28 20; do
    [[ " ${BERTH_ENGINES:-28} " == *" $version "* ]] || continue
    eval "$(scripts/engine.sh env "$version")"
    wanted=("${fixtures[@]}")
    if [ "$version" = 20 ]; then
        # Docker 20.10's frontend rejects `COPY --link` (the original pnpm file already has it).
        wanted=()
        for name in "${fixtures[@]}"; do [ "$name" = pnpm ] || wanted+=("$name"); done
    fi
    start=$(date +%s)
    echo "== Docker $version: ${#wanted[@]} ecosystems"
    if ! "$work/reorder/verify.sh" --fixed Dockerfile.fixed "${wanted[@]}"; then
        status=1
    fi
    echo "Docker $version: reorder checks took $(($(date +%s) - start))s"
done
exit "$status"
