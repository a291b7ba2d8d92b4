#!/bin/sh
# Entrypoint of the gateway container (the official nginx image; compose mounts this file, the gateway image
# copies it): waits until the upstream names resolve, renders nginx/render.sh's configuration from the
# environment, runs nginx in the foreground, and reloads nginx when the addresses behind those names change.
#
# Why the watch: nginx open source resolves the names in an upstream block once, when it loads its
# configuration (the `resolve` server parameter exists only from nginx 1.27.3). A replica that restarts with
# a new address, new replicas of a scaled service (`docker compose up --scale cart-service=3`: the name
# "cart" then has more addresses), or a Kubernetes headless Service's new or no-longer-ready pods would
# otherwise stay invisible until someone reloads. Every UPSTREAM_WATCH_SECONDS this script resolves the
# names again (getent: the same system resolver nginx uses at load), and when the set of addresses changed
# and the configuration still passes `nginx -t`, it reloads nginx: new workers with the new upstreams, old
# workers finish their requests. Works with nginx 1.22 and later.
#
# Variables: render.sh's (LISTEN, STATUS_LISTEN, CATALOG_UPSTREAMS, ..., see nginx/render.sh), plus
#   RENDER_SH               path of render.sh                                    /etc/nginx/store/render.sh
#   RUN_DIR                 where the configuration is rendered and nginx runs   /tmp/nginx
#   UPSTREAM_WAIT_SECONDS   how long to wait at start for every name to resolve  120
#   UPSTREAM_WATCH_SECONDS  re-resolve period in seconds; 0: never               10
set -u

RENDER_SH=${RENDER_SH:-/etc/nginx/store/render.sh}
RUN_DIR=${RUN_DIR:-/tmp/nginx}
export RUN_DIR
wait_seconds=${UPSTREAM_WAIT_SECONDS:-120}
watch_seconds=${UPSTREAM_WATCH_SECONDS:-10}
conf="$RUN_DIR/nginx.conf"

log() {
    echo "gateway-entrypoint: $*" >&2
}

# The names behind the core upstreams (render.sh's defaults when unset); IP literals need no resolving.
names=$(
    for value in "${CATALOG_UPSTREAMS:-127.0.0.1:8000}" "${CART_UPSTREAMS:-127.0.0.1:8001}" \
        "${ORDER_UPSTREAMS:-127.0.0.1:8002}" "${USER_UPSTREAMS:-127.0.0.1:8003}" \
        "${SWAGGER_UPSTREAMS:-}" "${PROFILES_UPSTREAMS:-}"; do
        for server in $value; do
            host=${server%:*}
            case $host in
            \[*) ;;                  # an IPv6 literal
            *[!0-9.]*) echo "$host" ;; # a name
            esac                       # else an IPv4 literal
        done
    done | sort -u
)

# Prints every name with its sorted addresses, one name per line; fails when a name has none.
addresses() {
    for name in $names; do
        found=$(getent ahostsv4 "$name" 2>/dev/null | cut -d ' ' -f 1 | sort -u | tr '\n' ' ')
        [ -n "$found" ] || return 1
        echo "$name: $found"
    done
}

# 1. wait for the names (compose starts the gateway after its upstreams are healthy; Kubernetes may not)
deadline=$(($(date +%s) + wait_seconds))
until current=$(addresses); do
    if [ "$(date +%s)" -ge "$deadline" ]; then
        log "some upstream names still do not resolve after ${wait_seconds}s; starting anyway"
        current=
        break
    fi
    sleep 2
done

# 2. render and check. ACCESS_LOG=/dev/stdout needs /dev/stdout to be openable by this user: it is when the
# container starts as that user, not always otherwise (a root-owned pipe or terminal). Then nginx writes to a
# FIFO that a reader copies to this process' own stdout (inherited, never reopened). The reader holds the FIFO
# open for writing too, so it never sees an end of file while nginx reopens its logs.
mkdir -p "$RUN_DIR"
reader=
if [ "${ACCESS_LOG:-}" = /dev/stdout ] && ! [ -w /dev/stdout ]; then
    ACCESS_LOG="$RUN_DIR/access.fifo"
    export ACCESS_LOG
    rm -f "$ACCESS_LOG"
    mkfifo -m 600 "$ACCESS_LOG"
    cat <>"$ACCESS_LOG" &
    reader=$!
fi
sh "$RENDER_SH" "$RUN_DIR" >/dev/null || exit 1
nginx -t -q -e stderr -c "$conf" || exit 1

# 3. run nginx in the foreground, as a child, so this script can reload it
nginx -e stderr -c "$conf" -g 'daemon off;' &
nginx_pid=$!
sleeper=
stopping=false
# shellcheck disable=SC2317 # called by the trap below
stop() { # graceful: stop accepting, let requests in flight finish
    stopping=true
    kill -QUIT "$nginx_pid" 2>/dev/null
    [ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null
}
trap stop TERM QUIT INT

if [ "$watch_seconds" -gt 0 ] && [ -n "$names" ]; then
    log "watching ${names:+$(echo "$names" | tr '\n' ' ')}every ${watch_seconds}s"
    while kill -0 "$nginx_pid" 2>/dev/null; do
        sleep "$watch_seconds" &
        sleeper=$!
        wait "$sleeper" 2>/dev/null
        sleeper=
        if [ "$stopping" = true ] || ! kill -0 "$nginx_pid" 2>/dev/null; then
            break
        fi
        latest=$(addresses) || continue # a name without addresses: keep what nginx has
        [ "$latest" != "$current" ] || continue
        if nginx -t -q -e stderr -c "$conf" && nginx -e stderr -c "$conf" -s reload; then
            log "upstream addresses changed, nginx reloaded: $(echo "$latest" | tr '\n' ';')"
            current=$latest
        fi
    done
fi
wait "$nginx_pid"
status=$?
# wait returns early (> 128) when a signal arrived; then wait for nginx itself
while kill -0 "$nginx_pid" 2>/dev/null; do
    wait "$nginx_pid"
    status=$?
done
[ -z "$reader" ] || kill "$reader" 2>/dev/null
exit "$status"
