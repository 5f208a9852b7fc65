#!/usr/bin/env bash
# Start, stop or query the real Docker engine used as an oracle by berth's engine checks
# (DESIGN.md section 5). The daemon runs on a private socket so it never touches a
# system daemon, with the vfs storage driver and no networking. Nothing is pulled: the
# only base image is `berth-base`, imported offline from busybox-static.
#
#   scripts/engine.sh up      start the daemon (idempotent) and import berth-base
#   scripts/engine.sh down    stop the daemon we started, by its pid
#   scripts/engine.sh status  exit 0 when the daemon answers
#   scripts/engine.sh env     print `export DOCKER_HOST=...` for eval
#
# Requires root and the Debian packages docker.io and busybox-static.
set -euo pipefail

ENGINE_DIR="${BERTH_ENGINE_DIR:-/tmp/berth-engine}"
SOCK="$ENGINE_DIR/docker.sock"
export DOCKER_HOST="unix://$SOCK"
DOCKER=/usr/bin/docker # the 20.10 client from docker.io, matching the daemon

status() {
    [ -S "$SOCK" ] && "$DOCKER" version >/dev/null 2>&1
}

up() {
    if status; then
        ensure_base
        return 0
    fi
    command -v dockerd >/dev/null || { echo "engine: dockerd not installed (apt-get install docker.io)" >&2; return 1; }
    [ -x /usr/bin/busybox ] || [ -x /bin/busybox ] || { echo "engine: busybox-static not installed" >&2; return 1; }
    mkdir -p "$ENGINE_DIR"
    dockerd --storage-driver=vfs --iptables=false --bridge=none \
        --data-root "$ENGINE_DIR/root" --exec-root "$ENGINE_DIR/exec" \
        -H "$DOCKER_HOST" --pidfile "$ENGINE_DIR/dockerd.pid" \
        >"$ENGINE_DIR/dockerd.log" 2>&1 &
    for _ in $(seq 1 60); do
        status && break
        sleep 0.5
    done
    status || { echo "engine: dockerd did not start; see $ENGINE_DIR/dockerd.log" >&2; tail -20 "$ENGINE_DIR/dockerd.log" >&2; return 1; }
    ensure_base
}

ensure_base() {
    "$DOCKER" image inspect berth-base >/dev/null 2>&1 && return 0
    local root busybox
    busybox=$(command -v busybox || echo /bin/busybox)
    root=$(mktemp -d)
    mkdir -p "$root/bin" "$root/tmp"
    cp "$busybox" "$root/bin/busybox"
    for applet in sh echo cat ls mkdir touch cp mv rm true false sleep date env printf test wc sha256sum head tail chmod ln find grep sed; do
        ln -s busybox "$root/bin/$applet"
    done
    tar -C "$root" -cf "$root.tar" .
    "$DOCKER" import "$root.tar" berth-base:latest >/dev/null
    rm -rf "$root" "$root.tar"
}

down() {
    local pidfile="$ENGINE_DIR/dockerd.pid"
    [ -f "$pidfile" ] || return 0
    local pid
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.25
    done
    kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) status ;;
    env) echo "export DOCKER_HOST=$DOCKER_HOST" ;;
    *) echo "usage: $0 up|down|status|env" >&2; exit 2 ;;
esac
