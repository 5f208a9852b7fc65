#!/usr/bin/env bash
# Shipping berth: what a user installs and gets besides the linter itself.
# - the docs build without a warning (`cargo doc`, RUSTDOCFLAGS=-D warnings);
# - every crate packages for crates.io (`cargo package --workspace`, each tarball built);
# - the declared minimum Rust version (`rust-version`) builds and passes the tests;
# - the berth-bin wheel (maturin, `bindings = "bin"`) builds, installs into a fresh venv, and
#   its `berth` lints the README example; the time from `pip install` to that first lint result
#   must stay under 5 s;
# - the pre-commit hook's `language: python` variant installs from that wheel and runs;
# - shell completions and manual pages generate from the release binary and parse (bash, zsh
#   and fish syntax checks; groff's warnings).
# Installs what it needs (a rustup toolchain, maturin from PyPI, zsh/fish/groff from Debian).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
: "${BERTH_BIN:=$ROOT/target/release/berth}"
: "${BERTH_ORACLE_PYTHON:=$ROOT/.venv-oracle/bin/python}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
failures=0
checks=0
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
MSRV="$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
MATURIN_VERSION=1.16.0
# Every package of the workspace that is meant for crates.io (all but `publish = false`).
CRATES="$(cargo metadata --no-deps --format-version 1 | python3 -c '
import json, sys
print(" ".join(p["name"] for p in json.load(sys.stdin)["packages"] if p.get("publish") != []))')"

pass() { checks=$((checks + 1)); echo "ok:   $1"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL: $1"; }
step() { # step NAME command...: runs it, says how long it took, counts it
    local name="$1" start=$SECONDS
    shift
    if "$@" >"$TMP/step.log" 2>&1; then
        pass "$name ($((SECONDS - start)) s)"
    else
        fail "$name ($((SECONDS - start)) s)"
        tail -40 "$TMP/step.log" | sed 's/^/    /'
    fi
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

need_apt=()
command -v zsh >/dev/null || need_apt+=(zsh)
command -v fish >/dev/null || need_apt+=(fish)
command -v groff >/dev/null || need_apt+=(groff-base)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "== apt-get install ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null \
        || echo "could not install ${need_apt[*]}: those checks will be skipped"
fi

echo "== docs (RUSTDOCFLAGS=-D warnings)"
step "cargo doc --workspace --no-deps" env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

echo "== crates.io packages"
# Each crate is packaged and its tarball built against the others' tarballs (cargo overlays the
# unpublished workspace crates), as `cargo publish` would; nothing is uploaded.
# When one packaged crate depends on another, cargo builds the dependency as a registry crate
# (from a local overlay of the new tarballs, unpacked under CARGO_HOME's registry/src/-<hash>/),
# and a registry crate of the same version is never rebuilt nor unpacked again, whatever its
# content: a second run on one machine would verify against the first run's build. Start clean
# (only the berth crates' debug artifacts go; their dependencies stay built).
rm -rf target/package "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/berth-*-"$VERSION"
# shellcheck disable=SC2046 # one -p per crate
cargo clean -q --profile dev $(printf -- '-p %s ' $CRATES)
step "cargo package --workspace (every crate packaged and built)" \
    cargo package --workspace --exclude berth-benches --locked
# The verification builds share target/debug with the workspace and, for the root package, the
# same artifact names: clean them again so the next workspace build is not the tarball's.
# shellcheck disable=SC2046
cargo clean -q --profile dev $(printf -- '-p %s ' $CRATES)
for crate in $CRATES; do
    if [ -f "target/package/$crate-$VERSION.crate" ]; then
        pass "$crate-$VERSION.crate ($(du -k "target/package/$crate-$VERSION.crate" | cut -f1) KiB)"
    else
        fail "no target/package/$crate-$VERSION.crate"
    fi
done

echo "== minimum Rust version ($MSRV)"
if rustup toolchain install "$MSRV" --profile minimal >"$TMP/rustup.log" 2>&1; then
    step "cargo +$MSRV test --workspace --locked" cargo "+$MSRV" test --workspace --locked
    grep -E "^test result:" "$TMP/step.log" | awk '{p += $4; f += $6} END {print "      " p " passed, " f " failed with Rust '"$MSRV"'"}'
else
    fail "rustup could not install Rust $MSRV"
    tail -5 "$TMP/rustup.log" | sed 's/^/    /'
fi

echo "== the berth-bin wheel"
python3 -m venv "$TMP/maturin"
"$TMP/maturin/bin/pip" install -q "maturin==$MATURIN_VERSION"
WHEELS="$TMP/wheels"
# The same profile and features as the release build CI has just made, so cargo reuses it.
step "maturin build --release (python/pyproject.toml)" \
    sh -c "cd python && '$TMP/maturin/bin/maturin' build --release --out '$WHEELS'"
WHEEL="$(ls "$WHEELS"/berth_bin-*.whl 2>/dev/null | head -1)"
if [ -z "$WHEEL" ]; then
    fail "no wheel was built"
else
    echo "      $(basename "$WHEEL"): $(du -k "$WHEEL" | cut -f1) KiB"
    python3 -m venv "$TMP/fresh"
    start=$(now)
    "$TMP/fresh/bin/pip" install -q --no-index "$WHEEL"
    installed=$(now)
    set +e
    "$TMP/fresh/bin/berth" lint --format concise fixtures/lint/node-cache/Dockerfile >"$TMP/lint.out" 2>&1
    code=$?
    set -e
    done_at=$(now)
    install_s=$(elapsed "$start" "$installed")
    total_s=$(elapsed "$start" "$done_at")
    echo "      pip install ${install_s} s, first lint $(elapsed "$installed" "$done_at") s: ${total_s} s from pip install to the first lint result"
    if [ "$code" = 1 ] && grep -q "BR101 warning" "$TMP/lint.out"; then
        pass "the wheel's berth lints the README example (exit 1, BR101 found)"
    else
        fail "the wheel's berth on the README example: exit $code"
        head -20 "$TMP/lint.out" | sed 's/^/    /'
    fi
    if awk -v t="$total_s" 'BEGIN { exit !(t < 5) }'; then
        pass "pip install to first lint result under 5 s (${total_s} s)"
    else
        fail "pip install to first lint result took ${total_s} s (bar: under 5 s)"
    fi
    if [ "$("$TMP/fresh/bin/berth" --version)" = "$("$BERTH_BIN" --version)" ]; then
        pass "the wheel's berth --version: $("$TMP/fresh/bin/berth" --version)"
    else
        fail "the wheel's berth --version differs from the release build's"
    fi

    echo "== pre-commit hook, language: python (from the wheel)"
    PRECOMMIT="$(dirname "$BERTH_ORACLE_PYTHON")/pre-commit"
    if [ ! -x "$PRECOMMIT" ]; then
        echo "SKIPPED: pre-commit not installed ($PRECOMMIT)"
    elif ! git rev-parse HEAD >/dev/null 2>&1; then
        echo "SKIPPED: not a git checkout"
    else
        # pip resolves berth-bin from the folder holding the wheel just built, and the root
        # pyproject's build backend from a copy fetched now: nothing else is looked up.
        "$TMP/maturin/bin/pip" download -q --only-binary=:all: -d "$WHEELS" "setuptools>=61"
        project="$TMP/project"
        mkdir -p "$project"
        cp fixtures/lint/debian-cache/Dockerfile "$project/Dockerfile"
        (cd "$project" && git init -q && git add Dockerfile)
        start=$SECONDS
        set +e
        (cd "$project" && PRE_COMMIT_HOME="$TMP/pre-commit-home" PIP_NO_INDEX=1 PIP_FIND_LINKS="$WHEELS" \
            "$PRECOMMIT" try-repo "$ROOT" berth-lint-python --ref "$(git -C "$ROOT" rev-parse HEAD)" \
            --files Dockerfile) >"$TMP/hook.out" 2>&1
        code=$?
        set -e
        if [ "$code" = 1 ] && grep -q "BR106" "$TMP/hook.out"; then
            pass "pre-commit try-repo berth-lint-python finds BR106 ($((SECONDS - start)) s with the install)"
        else
            fail "pre-commit try-repo berth-lint-python: exit $code"
            tail -20 "$TMP/hook.out" | sed 's/^/    /'
        fi
    fi
fi

echo "== completions and manual pages (release binary)"
for shell in bash zsh fish powershell elvish; do
    if "$BERTH_BIN" completions "$shell" >"$TMP/completion.$shell" && [ -s "$TMP/completion.$shell" ]; then
        pass "berth completions $shell ($(wc -l <"$TMP/completion.$shell") lines)"
    else
        fail "berth completions $shell"
    fi
done
syntax() { # syntax SHELL command...: the shell parses the script without running it
    if command -v "$1" >/dev/null; then
        local shell="$1"
        shift
        step "$shell parses its completion script" "$@"
    else
        echo "SKIPPED: $1 syntax check ($1 not installed)"
    fi
}
syntax bash bash -n "$TMP/completion.bash"
syntax zsh zsh -n "$TMP/completion.zsh"
syntax fish fish --no-execute "$TMP/completion.fish"
if "$BERTH_BIN" man --dir "$TMP/man" 2>/dev/null; then
    pass "berth man --dir: $(ls "$TMP/man" | wc -l) pages"
    if command -v groff >/dev/null; then
        warned=0
        for page in "$TMP"/man/*.1; do
            if ! groff -man -Tutf8 -ww -z "$page" >"$TMP/groff.out" 2>&1 || [ -s "$TMP/groff.out" ]; then
                fail "groff warns about $(basename "$page")"
                head -5 "$TMP/groff.out" | sed 's/^/    /'
                warned=1
            fi
        done
        [ "$warned" = 1 ] || pass "groff reads every page without a warning"
    else
        echo "SKIPPED: groff check of the manual pages (groff not installed)"
    fi
else
    fail "berth man --dir"
fi

echo "== the engines berth version names"
# `berth version` says which engines berth is checked against; the engine checks run on what
# .ci/setup.sh installs (Debian's packages, whose versions move). A difference is printed, not
# failed: the engine checks themselves say whether berth still agrees with the new engine.
for version in ${BERTH_ENGINES:-}; do
    running="$(scripts/engine.sh docker "$version" version --format '{{.Server.Version}}' 2>/dev/null |
        sed -n 's/^\([0-9][0-9.]*\).*/\1/p')"
    if [ -z "$running" ]; then
        echo "SKIPPED: engine $version is not running"
    elif "$BERTH_BIN" version --format json | grep -q "\"version\": \"$running\""; then
        pass "berth version names Docker $running, the engine $version CI runs"
    else
        echo "NOTE: engine $version runs Docker $running, which berth version does not name (src/cmd/version.rs)"
    fi
done

echo "package checks: $((checks - failures)) passed, $failures failed"
[ "$failures" = 0 ]
