#!/usr/bin/env bash
# Start, stop or query the real Docker engines used as oracles by berth's engine checks
# (DESIGN.md section 5). Two engines can run side by side, each on its own socket,
# data-root, exec-root and pidfile under $BERTH_ENGINE_DIR/<engine>/:
#
#   28  Docker 28.5.2 with buildx 0.29.1 and compose 2.40 (Debian forky's packages, unpacked
#       privately by .ci/setup.sh into .engine/28/ — never installed): the reference engine.
#   20  Docker 20.10.24 (Debian bookworm's docker.io, installed): the `docker20` profile.
#
# Both daemons use the vfs storage driver, no iptables and no bridge, so nothing touches a
# system daemon or the network. Nothing is pulled: the only base image is `berth-base`,
# imported offline from busybox-static.
#
#   scripts/engine.sh up [28|20]      start the engine (idempotent), import berth-base,
#                                     print the versions it got (default: 28)
#   scripts/engine.sh down [28|20]    stop the daemon this script started, by its pid
#                                     (default: both)
#   scripts/engine.sh status [28|20]  exit 0 when the engine answers
#   scripts/engine.sh env [28|20]     print exports for eval: DOCKER_HOST, DOCKER_CONFIG (the
#                                     private client config with the cli plugins), BERTH_DOCKER
#                                     (the matching client binary), BERTH_ENGINE_VERSION
#   scripts/engine.sh docker 28|20 ARGS...  run that engine's client with ARGS
#
# Env: BERTH_ENGINE_DIR (default /tmp/berth-engine; use your own so you never stop another
# daemon), BERTH_ENGINE28_ROOT (the unpacked Docker 28 packages; default .engine/28 in the
# repository). Requires root, containerd and runc (bookworm's), busybox-static.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
ENGINE_DIR="${BERTH_ENGINE_DIR:-/tmp/berth-engine}"
ENGINE28_ROOT="${BERTH_ENGINE28_ROOT:-$REPO/.engine/28}"

die() {
    echo "engine: $*" >&2
    exit 2
}

# select_engine VERSION: sets the paths of one engine.
select_engine() {
    VERSION="$1"
    DIR="$ENGINE_DIR/$VERSION"
    SOCK="$DIR/docker.sock"
    CONFIG="$DIR/client-config"
    case "$VERSION" in
        28)
            DOCKERD="$ENGINE28_ROOT/usr/sbin/dockerd"
            DOCKER="$ENGINE28_ROOT/usr/bin/docker"
            PLUGINS="$ENGINE28_ROOT/usr/libexec/docker/cli-plugins"
            # dockerd 28 finds docker-proxy and docker-init beside it; containerd and runc
            # are the system's (bookworm's).
            DAEMON_PATH="$ENGINE28_ROOT/usr/sbin:$ENGINE28_ROOT/usr/bin:$PATH"
            ;;
        20)
            DOCKERD=/usr/sbin/dockerd
            DOCKER=/usr/bin/docker
            PLUGINS=""
            DAEMON_PATH="$PATH"
            ;;
        *) die "unknown engine \`$VERSION\`: use 28 (Docker 28, the reference) or 20 (Docker 20.10)" ;;
    esac
}

client() {
    DOCKER_HOST="unix://$SOCK" DOCKER_CONFIG="$CONFIG" DOCKER_BUILDKIT=1 "$DOCKER" "$@"
}

status() {
    [ -S "$SOCK" ] && client version >/dev/null 2>&1
}

check_installed() {
    if [ ! -x "$DOCKERD" ] || [ ! -x "$DOCKER" ]; then
        case "$VERSION" in
            28) die "Docker 28 is not unpacked at $ENGINE28_ROOT (run .ci/setup.sh as root, or set BERTH_ENGINE28_ROOT to a folder holding usr/sbin/dockerd)" ;;
            20) die "Docker 20.10 is not installed (apt-get install docker.io)" ;;
        esac
    fi
    command -v containerd >/dev/null || die "containerd is not installed (apt-get install containerd)"
    command -v runc >/dev/null || die "runc is not installed (apt-get install runc)"
    [ -x /usr/bin/busybox ] || [ -x /bin/busybox ] || die "busybox-static is not installed"
}

# The client's private configuration: Docker 28's client finds buildx (so `docker build`
# is BuildKit through buildx) and compose only through DOCKER_CONFIG/cli-plugins.
client_config() {
    mkdir -p "$CONFIG"
    [ -f "$CONFIG/config.json" ] || echo '{}' >"$CONFIG/config.json"
    if [ -n "$PLUGINS" ]; then
        mkdir -p "$CONFIG/cli-plugins"
        local plugin
        for plugin in docker-buildx docker-compose; do
            [ -x "$PLUGINS/$plugin" ] && ln -sfn "$PLUGINS/$plugin" "$CONFIG/cli-plugins/$plugin"
        done
    fi
}

up() {
    check_installed
    client_config
    if ! status; then
        mkdir -p "$DIR"
        # A private, empty daemon configuration: /etc/docker/daemon.json must not apply.
        [ -f "$DIR/daemon.json" ] || echo '{}' >"$DIR/daemon.json"
        PATH="$DAEMON_PATH" "$DOCKERD" --config-file "$DIR/daemon.json" \
            --storage-driver=vfs --iptables=false --bridge=none \
            --data-root "$DIR/root" --exec-root "$DIR/exec" \
            -H "unix://$SOCK" --pidfile "$DIR/dockerd.pid" \
            >"$DIR/dockerd.log" 2>&1 &
        local _
        for _ in $(seq 1 120); do
            status && break
            sleep 0.5
        done
        if ! status; then
            tail -20 "$DIR/dockerd.log" >&2
            die "dockerd $VERSION did not start; see $DIR/dockerd.log"
        fi
    fi
    ensure_base
    versions
}

versions() {
    local server buildx="" compose=""
    server=$(client version --format '{{.Server.Version}}' 2>/dev/null || echo '?')
    if [ -n "$PLUGINS" ]; then
        buildx=", buildx $(client buildx version 2>/dev/null | awk '{print $2}')"
        compose=", compose $(client compose version --short 2>/dev/null || echo '?')"
    fi
    echo "engine $VERSION: Docker $server$buildx$compose on unix://$SOCK"
}

ensure_base() {
    client image inspect berth-base >/dev/null 2>&1 && return 0
    local root busybox applet
    busybox=$(command -v busybox || echo /bin/busybox)
    root=$(mktemp -d)
    mkdir -p "$root/bin" "$root/tmp" "$root/etc"
    cp "$busybox" "$root/bin/busybox"
    for applet in sh echo cat ls mkdir touch cp mv rm true false sleep date env printf test wc \
        sha256sum head tail chmod ln find grep sed stat id; do
        ln -s busybox "$root/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    tar -C "$root" -cf "$root.tar" .
    client import "$root.tar" berth-base:latest >/dev/null
    rm -rf "$root" "$root.tar"
}

down() {
    local pidfile="$DIR/dockerd.pid" pid _
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.25
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
}

print_env() {
    echo "export DOCKER_HOST=unix://$SOCK"
    echo "export DOCKER_CONFIG=$CONFIG"
    echo "export DOCKER_BUILDKIT=1"
    echo "export BERTH_DOCKER=$DOCKER"
    echo "export BERTH_ENGINE_VERSION=$VERSION"
}

command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
    up | status | env)
        select_engine "${1:-28}"
        case "$command" in
            up) up ;;
            status) status ;;
            env) client_config; print_env ;;
        esac
        ;;
    down)
        for version in ${1:-28 20}; do
            select_engine "$version"
            down
        done
        ;;
    docker)
        [ $# -gt 0 ] || die "usage: $0 docker 28|20 ARGS..."
        select_engine "$1"
        shift
        client_config
        client "$@"
        ;;
    *) echo "usage: $0 up|down|status|env [28|20] | docker 28|20 ARGS..." >&2; exit 2 ;;
esac
