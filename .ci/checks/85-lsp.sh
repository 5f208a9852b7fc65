#!/usr/bin/env bash
# berth lsp against the Dockerfile language server most editors use, and in a real editor:
# 1. installs the anchor (npm dockerfile-language-server-nodejs 0.15.0, into the gitignored
#    .ci/node/) and Debian's neovim when missing;
# 2. scripts/lsp-compare.py drives both servers with the same client on the same files: the
#    feature table, median didChange -> publishDiagnostics on a ~1,000-line Dockerfile for both
#    in one run (berth at most 20 ms and below the anchor), berth's RSS (at most 60 MiB, also
#    after opening and closing 1,000 documents);
# 3. headless Neovim attaches `berth lsp` to a Dockerfile and must receive diagnostics.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
: "${BERTH_BIN:=$ROOT/target/release/berth}"
failures=0
checks=0

need_apt=()
command -v npm >/dev/null || need_apt+=(npm)
command -v nvim >/dev/null || need_apt+=(neovim)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "== apt-get install ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
ANCHOR="$ROOT/.ci/node/node_modules/.bin/docker-langserver"
if [ ! -x "$ANCHOR" ]; then
    echo "== npm install dockerfile-language-server-nodejs@0.15.0 (into .ci/node)"
    mkdir -p .ci/node
    npm install --prefix .ci/node --no-audit --no-fund --loglevel=error dockerfile-language-server-nodejs@0.15.0
fi

echo "== berth lsp vs docker-langserver (features, latency, memory)"
checks=$((checks + 1))
if python3 scripts/lsp-compare.py --berth "$BERTH_BIN" --anchor "$ANCHOR"; then
    echo "ok:   lsp comparison"
else
    echo "FAIL: lsp comparison (see above)"
    failures=$((failures + 1))
fi

echo "== headless Neovim receives diagnostics from berth lsp"
checks=$((checks + 1))
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
if BERTH_BIN="$BERTH_BIN" DOCKERFILE="$ROOT/fixtures/lint/node-cache/Dockerfile" timeout 120 \
    nvim --headless -u NONE -n -c "luafile $ROOT/scripts/nvim-lsp-check.lua" >"$TMP/nvim.out" 2>&1 </dev/null; then
    cat "$TMP/nvim.out"
    echo "ok:   neovim"
else
    cat "$TMP/nvim.out"
    echo "FAIL: neovim got no diagnostics"
    failures=$((failures + 1))
fi

echo "lsp checks: $((checks - failures)) passed, $failures failed"
[ "$failures" = 0 ]
