#!/usr/bin/env bash
# .ci/test-binary.sh PACKAGE TEST: print the path of PACKAGE's integration-test binary TEST,
# building it first when needed. The engine checks run that binary themselves instead of
# `cargo test`, because cargo holds the build directory's lock while tests run: two checks in
# the two engine lanes of .ci/run would otherwise wait for each other.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test -q -p "$1" --test "$2" --no-run --message-format=json | python3 -c '
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    target = message.get("target") or {}
    if message.get("executable") and target.get("name") == sys.argv[1] and "test" in target.get("kind", []):
        print(message["executable"])
' "$2"
