#!/usr/bin/env bash
# The split topology behind the real nginx gateway, on one machine, without Docker:
#   embedded Cassandra, catalog ×2, cart ×2, order, user (one process each), nginx in front; Ctrl-C stops all.
#
#   ./mvnw -q package -DskipTests && nginx/run-split.sh        then http://localhost:8088/swagger/
#
# Variables: GATEWAY_PORT (8088), PORT_BASE (8000: services on PORT_BASE+0..3 and the second replicas on +10, +11;
# internal listeners on +1000), CASSANDRA_HOST (unset: an embedded node), CASSANDRA_PORT (9042), WORK (./data/split: logs, nginx config, Cassandra data),
# SECRET_KEY / INTERNAL_KEY (random per run if unset), DOCS_ROOT (./site, built by `mkdocs build`),
# READY_TIMEOUT (300: seconds each service may take to answer /health/live).
# The store runs in the dev profile (demo users swagger_user/password123, swagger_admin/admin123).
# Process ids are written to $WORK/pids/<name>.pid (tests use them to kill one replica).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/launcher/target/product-store.jar
[[ -f $JAR ]] || { echo "build first: ./mvnw -q package -DskipTests" >&2; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || { echo "nginx is not installed (Debian: apt-get install nginx)" >&2; exit 1; }

GATEWAY_PORT=${GATEWAY_PORT:-8088}
PORT_BASE=${PORT_BASE:-8000}
CASSANDRA_PORT=${CASSANDRA_PORT:-9042}
WORK=$(mkdir -p "${WORK:-$ROOT/data/split}" && cd "${WORK:-$ROOT/data/split}" && pwd)
mkdir -p "$WORK/pids" "$WORK/logs"
SECRET_KEY=${SECRET_KEY:-$(head -c 48 /dev/urandom | base64 | tr -d '\n')}
INTERNAL_KEY=${INTERNAL_KEY:-$(head -c 48 /dev/urandom | base64 | tr -d '\n')}
export SECRET_KEY INTERNAL_KEY CASSANDRA_PORT PROFILE=dev TRUSTED_PROXIES=127.0.0.1

port() { echo $((PORT_BASE + $1)); }                 # public port of slot n
internal() { echo "http://127.0.0.1:$((PORT_BASE + 1000 + $1))"; }
BACKEND_URL="$(internal 0),$(internal 10)" CART_SERVICE_URL="$(internal 1),$(internal 11)"
ORDER_SERVICE_URL="$(internal 2)" USER_SERVICE_URL="$(internal 3)"
export BACKEND_URL CART_SERVICE_URL ORDER_SERVICE_URL USER_SERVICE_URL

stop_all() {
    trap - INT TERM EXIT
    echo "stopping..."
    if [[ -f $WORK/pids/nginx.pid ]]; then kill -QUIT "$(cat "$WORK/pids/nginx.pid")" 2>/dev/null || true; fi
    # the services first (graceful: in-flight requests finish), the catalog that owns Cassandra last
    for name in user order cart-2 cart-1 catalog-2 catalog-1; do
        if [[ -f $WORK/pids/$name.pid ]]; then kill -TERM "$(cat "$WORK/pids/$name.pid")" 2>/dev/null || true; fi
        if [[ $name == catalog-1 ]]; then wait 2>/dev/null || true; fi
    done
    wait 2>/dev/null || true
    rm -f "$WORK"/pids/*.pid
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# start NAME MODE SLOT [VAR=value ...]: one service process, in the background, logging to $WORK/logs/NAME.log
start() {
    local name=$1 mode=$2 slot=$3
    shift 3
    (cd "$WORK" && exec env HTTP_PORT="$(port "$slot")" "$@" java -Xmx256m -jar "$JAR" "$mode" \
        >"$WORK/logs/$name.log" 2>&1) &
    echo $! >"$WORK/pids/$name.pid"
}

ready() { # ready NAME SLOT: until /health/live answers
    local deadline=$((SECONDS + ${READY_TIMEOUT:-300}))
    until curl -sf "http://127.0.0.1:$(port "$2")/health/live" >/dev/null; do
        if ! kill -0 "$(cat "$WORK/pids/$1.pid")" 2>/dev/null; then
            echo "$1 exited; last lines of $WORK/logs/$1.log:" >&2
            tail -n 30 "$WORK/logs/$1.log" >&2
            exit 1
        fi
        if ((SECONDS >= deadline)); then
            echo "$1 not ready in ${READY_TIMEOUT:-300} s; last lines of $WORK/logs/$1.log:" >&2
            tail -n 30 "$WORK/logs/$1.log" >&2
            exit 1
        fi
        sleep 0.5
    done
    echo "  $1 ready on :$(port "$2")"
}

echo "== services (logs in $WORK/logs)"
if [[ -z ${CASSANDRA_HOST:-} ]]; then
    start catalog-1 catalog 0 SAMPLE_DATA=true CASSANDRA_DATA_DIR="$WORK/cassandra"   # starts the embedded node
    ready catalog-1 0
    export CASSANDRA_HOST=127.0.0.1
else
    start catalog-1 catalog 0 SAMPLE_DATA=true                                         # an external Cassandra
    ready catalog-1 0
fi
start catalog-2 catalog 10
start cart-1 cart 1
start cart-2 cart 11
start order order 2
start user user 3 DEMO_USERS=true
for s in "catalog-2 10" "cart-1 1" "cart-2 11" "order 2" "user 3"; do ready "${s% *}" "${s#* }"; done

echo "== nginx"
# started as root (a container, CI), nginx's workers would run as nobody, who may not read a clone under /root
if [[ $(id -u) == 0 ]]; then export NGINX_USER=${NGINX_USER:-root}; fi
CATALOG_UPSTREAMS="127.0.0.1:$(port 0) 127.0.0.1:$(port 10)" CART_UPSTREAMS="127.0.0.1:$(port 1) 127.0.0.1:$(port 11)" \
ORDER_UPSTREAMS="127.0.0.1:$(port 2)" USER_UPSTREAMS="127.0.0.1:$(port 3)" \
LISTEN="127.0.0.1:$GATEWAY_PORT" STATUS_LISTEN="127.0.0.1:$((GATEWAY_PORT + 1))" \
DOCS_ROOT="${DOCS_ROOT:-$ROOT/site}" "$ROOT/nginx/render.sh" "$WORK/nginx" >/dev/null
"$NGINX" -t -q -e "$WORK/nginx/logs/error.log" -c "$WORK/nginx/nginx.conf"
"$NGINX" -e "$WORK/nginx/logs/error.log" -c "$WORK/nginx/nginx.conf" -g "daemon off;" &
echo $! >"$WORK/pids/nginx.pid"
until curl -sf "http://127.0.0.1:$GATEWAY_PORT/api/health" >/dev/null; do sleep 0.3; done

cat <<EOF

Product Store, split topology behind nginx:
  gateway      http://localhost:$GATEWAY_PORT/api/  /cart-api/  /order-api/  /user-api/
  Swagger UI   http://localhost:$GATEWAY_PORT/swagger/        docs  http://localhost:$GATEWAY_PORT/docs/
  nginx status http://127.0.0.1:$((GATEWAY_PORT + 1))/stub_status
  replicas     catalog :$(port 0) :$(port 10)   cart :$(port 1) :$(port 11)   order :$(port 2)   user :$(port 3)
Ctrl-C stops everything.
EOF
while :; do sleep 1; done  # until Ctrl-C or SIGTERM (a replica dying is not a reason to stop)
