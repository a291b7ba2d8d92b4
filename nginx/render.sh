#!/bin/sh
# Renders the gateway's nginx configuration for one environment into a directory, ready to run:
#
#   CATALOG_UPSTREAMS="127.0.0.1:8000 127.0.0.1:8010" CART_UPSTREAMS=127.0.0.1:8001 ... nginx/render.sh OUT_DIR
#   nginx -e OUT_DIR/logs/error.log -c OUT_DIR/nginx.conf [-g 'daemon off;']
#
# POSIX sh and sed only, so it also runs inside an nginx container at start-up (compose, Kubernetes).
# Every value is checked against a strict pattern before it reaches the config: no value can add a directive.
# Variables (all optional; defaults fit one machine with the services on 127.0.0.1:8000-8003):
#   LISTEN                 public listener, [address:]port                         8080
#   STATUS_LISTEN          stub_status + /healthz listener (internal)              127.0.0.1:8081
#   CATALOG_UPSTREAMS, CART_UPSTREAMS, ORDER_UPSTREAMS, USER_UPSTREAMS
#                          space-separated host:port replicas                      127.0.0.1:8000 ... :8003
#   SWAGGER_UPSTREAMS      instances serving /swagger/ (all-in-one or a service)   = CATALOG_UPSTREAMS
#   PROFILES_UPSTREAMS     instances serving /profiles/: the first one, the others
#                          only while it is down                                   = CATALOG_UPSTREAMS
#   LOCUST_UPSTREAM        host:port of Locust's web UI, for /locust/              unset: not routed
#   JAEGER_UPSTREAM        host:port of Jaeger query (QUERY_BASE_PATH=/jaeger)     unset: not routed
#   RESOLVER               DNS server(s) for LOCUST/JAEGER given by name           unset (compose: 127.0.0.11)
#   DOCS_ROOT              the built MkDocs site, served at /docs/                 <repo>/site
#   CORS_ORIGINS           space-separated allowed origins (scheme://host[:port])  none: same origin only
#   TRUSTED_PROXIES        space-separated addresses/CIDRs whose X-Forwarded-For
#                          names the client (load balancer, ingress)               none
#   AUTH_RATE, AUTH_BURST  limit on POST /user-api/token and /users/register       10r/s, 30
#   UPSTREAM_KEEPALIVE     idle keepalive connections per worker and upstream      256
#   UPSTREAM_IDLE_TIMEOUT  how long nginx keeps an idle upstream connection; keep
#                          it below the services' drain (HTTP_DRAIN_MS, 1 s)       500ms
#   UPSTREAM_MAX_FAILS, UPSTREAM_FAIL_TIMEOUT
#                          failures before a replica is skipped, and for how long  2, 5s
#   CONF_DIR               where the rendered files are at run time                OUT_DIR
#   RUN_DIR                pid file, temp dirs (tmp/) and default logs (logs/)     OUT_DIR
#   ACCESS_LOG, ERROR_LOG  log files (/dev/stdout, stderr in containers)           RUN_DIR/logs/*.log
#   WORKER_PROCESSES       nginx worker processes                                  auto
#   NGINX_USER             worker user when the master runs as root                (nginx's default)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ne 1 ]; then
    echo "usage: [VAR=value ...] $0 OUT_DIR   (variables: see the head of this script)" >&2
    exit 2
fi
mkdir -p "$1"
out=$(cd "$1" && pwd)

LISTEN=${LISTEN:-8080}
STATUS_LISTEN=${STATUS_LISTEN:-127.0.0.1:8081}
CATALOG_UPSTREAMS=${CATALOG_UPSTREAMS:-127.0.0.1:8000}
CART_UPSTREAMS=${CART_UPSTREAMS:-127.0.0.1:8001}
ORDER_UPSTREAMS=${ORDER_UPSTREAMS:-127.0.0.1:8002}
USER_UPSTREAMS=${USER_UPSTREAMS:-127.0.0.1:8003}
SWAGGER_UPSTREAMS=${SWAGGER_UPSTREAMS:-$CATALOG_UPSTREAMS}
PROFILES_UPSTREAMS=${PROFILES_UPSTREAMS:-$CATALOG_UPSTREAMS}
LOCUST_UPSTREAM=${LOCUST_UPSTREAM:-}
JAEGER_UPSTREAM=${JAEGER_UPSTREAM:-}
RESOLVER=${RESOLVER:-}
DOCS_ROOT=${DOCS_ROOT:-$(cd "$here/.." && pwd)/site}
CORS_ORIGINS=${CORS_ORIGINS:-}
TRUSTED_PROXIES=${TRUSTED_PROXIES:-}
AUTH_RATE=${AUTH_RATE:-10r/s}
AUTH_BURST=${AUTH_BURST:-30}
UPSTREAM_KEEPALIVE=${UPSTREAM_KEEPALIVE:-256}
# A stopping service answers with "Connection: close" while it drains, and then closes what is left: idle
# connections nginx has not used since. nginx itself closes those after this long, so none is left for a request
# to race into as the service closes it (a POST lost that way is answered 502, not retried).
UPSTREAM_IDLE_TIMEOUT=${UPSTREAM_IDLE_TIMEOUT:-500ms}
UPSTREAM_MAX_FAILS=${UPSTREAM_MAX_FAILS:-2}
UPSTREAM_FAIL_TIMEOUT=${UPSTREAM_FAIL_TIMEOUT:-5s}
CONF_DIR=${CONF_DIR:-$out}
RUN_DIR=${RUN_DIR:-$out}
ACCESS_LOG=${ACCESS_LOG:-$RUN_DIR/logs/access.log}
ERROR_LOG=${ERROR_LOG:-$RUN_DIR/logs/error.log}
WORKER_PROCESSES=${WORKER_PROCESSES:-auto}
NGINX_USER=${NGINX_USER:-}

die() {
    echo "render.sh: $*" >&2
    exit 2
}

newline='
'
# check NAME VALUE ERE: VALUE must be one line matching the whole extended regular expression.
check() {
    case $2 in *"$newline"*) die "$1 must be a single line" ;; esac
    printf '%s\n' "$2" | grep -Eq -- "^($3)\$" || die "$1='$2' is not valid (expected: $3)"
}

host_port='([A-Za-z0-9][A-Za-z0-9.-]*|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}'
ip_port='([0-9]{1,3}(\.[0-9]{1,3}){3}|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}'
path='/[A-Za-z0-9._/+@-]*'

check LISTEN "$LISTEN" "(([0-9.]+|\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):)?[0-9]{1,5}"
check STATUS_LISTEN "$STATUS_LISTEN" "(([0-9.]+|\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):)?[0-9]{1,5}"
for name in CATALOG_UPSTREAMS CART_UPSTREAMS ORDER_UPSTREAMS USER_UPSTREAMS SWAGGER_UPSTREAMS \
    PROFILES_UPSTREAMS; do
    eval "value=\$$name"
    check "$name" "$value" "$host_port( +$host_port)*"
done
[ -z "$LOCUST_UPSTREAM" ] || check LOCUST_UPSTREAM "$LOCUST_UPSTREAM" "$host_port"
[ -z "$JAEGER_UPSTREAM" ] || check JAEGER_UPSTREAM "$JAEGER_UPSTREAM" "$host_port"
[ -z "$RESOLVER" ] || check RESOLVER "$RESOLVER" "[]A-Za-z0-9.:[-]+( +[]A-Za-z0-9.:[-]+)*"
[ -z "$CORS_ORIGINS" ] || check CORS_ORIGINS "$CORS_ORIGINS" "https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?( +https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?)*"
[ -z "$TRUSTED_PROXIES" ] || check TRUSTED_PROXIES "$TRUSTED_PROXIES" "[0-9A-Fa-f.:/]+( +[0-9A-Fa-f.:/]+)*"
check AUTH_RATE "$AUTH_RATE" "[0-9]+r/[sm]"
check AUTH_BURST "$AUTH_BURST" "[0-9]+"
check UPSTREAM_KEEPALIVE "$UPSTREAM_KEEPALIVE" "[0-9]+"
check UPSTREAM_IDLE_TIMEOUT "$UPSTREAM_IDLE_TIMEOUT" "[0-9]+(ms|s)?"
check UPSTREAM_MAX_FAILS "$UPSTREAM_MAX_FAILS" "[0-9]+"
check UPSTREAM_FAIL_TIMEOUT "$UPSTREAM_FAIL_TIMEOUT" "[0-9]+(ms|s|m)?"
check DOCS_ROOT "$DOCS_ROOT" "$path"
check CONF_DIR "$CONF_DIR" "$path"
check RUN_DIR "$RUN_DIR" "$path"
check ACCESS_LOG "$ACCESS_LOG" "$path|off"
check ERROR_LOG "$ERROR_LOG" "$path|stderr"
check WORKER_PROCESSES "$WORKER_PROCESSES" "auto|[0-9]+"
[ -z "$NGINX_USER" ] || check NGINX_USER "$NGINX_USER" "[a-z_][a-z0-9_-]*"

# Locust and Jaeger are optional tools that may be absent or not yet up: they are proxied through a variable,
# so nginx resolves their address per request (with RESOLVER) instead of at start-up. An address given by
# name therefore needs a RESOLVER; an IP address needs none.
for name in LOCUST_UPSTREAM JAEGER_UPSTREAM; do
    eval "value=\$$name"
    if [ -n "$value" ] && [ -z "$RESOLVER" ] && ! printf '%s\n' "$value" | grep -Eq -- "^($ip_port)\$"; then
        die "$name=$value is a name: set RESOLVER (compose: 127.0.0.11; Kubernetes: the cluster DNS address)"
    fi
done

# ---- upstreams.conf: the core services, resolved once at start-up, keepalive, several replicas -------------
upstream_block() { # NAME "host:port host:port ..." [one]: the first server only while it is up, then the next
    printf 'upstream %s {\n    zone upstream_%s 64k;\n' "$1" "$1"
    role=""
    for server in $2; do
        printf '    server %s max_fails=%s fail_timeout=%s%s;\n' "$server" "$UPSTREAM_MAX_FAILS" "$UPSTREAM_FAIL_TIMEOUT" \
            "$role"
        [ "${3:-}" = one ] && role=" backup"
    done
    printf '    keepalive %s;\n    keepalive_requests 10000;\n    keepalive_timeout %s;\n}\n\n' "$UPSTREAM_KEEPALIVE" \
        "$UPSTREAM_IDLE_TIMEOUT"
}
{
    echo "# Generated by nginx/render.sh. A name here must resolve when nginx starts (compose/Kubernetes DNS);"
    echo "# a name with several addresses (compose replicas, a headless Service) gives one server per address."
    upstream_block catalog "$CATALOG_UPSTREAMS"
    upstream_block cart "$CART_UPSTREAMS"
    upstream_block order "$ORDER_UPSTREAMS"
    upstream_block user "$USER_UPSTREAMS"
    upstream_block swagger "$SWAGGER_UPSTREAMS"
    # a process's recordings (and the key that signs their links) are its own: one instance answers them all,
    # the others stand by, or a listing from one replica would link to files on another
    upstream_block profiles "$PROFILES_UPSTREAMS" one
} >"$out/upstreams.conf"

# ---- tools.conf: /locust/ and /search + /jaeger/, only when configured ------------------------------------
{
    echo "# Generated by nginx/render.sh (server context). Tools not configured are not routed (404)."
    if [ -n "$RESOLVER" ]; then
        echo "resolver $RESOLVER valid=10s ipv6=off;"
        echo "resolver_timeout 2s;"
    fi
    if [ -n "$LOCUST_UPSTREAM" ]; then
        cat <<EOF

# Locust's web UI, prefix stripped (/locust/x reaches Locust as /x), WebSocket upgrade allowed (the only
# route where proxy_params.conf passes Upgrade/Connection), long timeouts for a live connection.
location = /locust {
    return 301 /locust/;
}
location /locust/ {
    set \$locust_upstream "$LOCUST_UPSTREAM";
    rewrite "^/locust(/.*)\$" \$1 break;
    proxy_pass http://\$locust_upstream;
    include $CONF_DIR/proxy_params.conf;
    proxy_next_upstream off;
    proxy_read_timeout 1h;
    proxy_send_timeout 1h;
}
EOF
    else
        echo "# LOCUST_UPSTREAM not set: /locust/ is not routed here."
    fi
    if [ -n "$JAEGER_UPSTREAM" ]; then
        cat <<EOF

# Jaeger UI. It must run with QUERY_BASE_PATH=/jaeger: its own API lives under /api/, which is the catalog's
# prefix here, so it cannot be served from the root. /search (the seed's URL) opens its search page.
location = /search {
    return 302 /jaeger/search\$is_args\$args;
}
location /jaeger/ {
    set \$jaeger_upstream "$JAEGER_UPSTREAM";
    proxy_pass http://\$jaeger_upstream;
    include $CONF_DIR/proxy_params.conf;
    proxy_next_upstream off;
}
EOF
    else
        echo "# JAEGER_UPSTREAM not set: /search and /jaeger/ are not routed here."
    fi
} >"$out/tools.conf"

# ---- cors-origins.conf: entries of the \$cors_origin map -------------------------------------------------
{
    echo "# Generated by nginx/render.sh from CORS_ORIGINS (inside map \$http_origin \$cors_origin)."
    for origin in $CORS_ORIGINS; do
        printf '"%s" "%s";\n' "$origin" "$origin"
    done
} >"$out/cors-origins.conf"

# ---- realip.conf: which peers may name the client -----------------------------------------------------------
{
    echo "# Generated by nginx/render.sh from TRUSTED_PROXIES."
    if [ -n "$TRUSTED_PROXIES" ]; then
        for proxy in $TRUSTED_PROXIES; do
            printf 'set_real_ip_from %s;\n' "$proxy"
        done
        echo "real_ip_header X-Forwarded-For;"
        echo "real_ip_recursive on;"
    else
        echo "# none: the TCP peer is the client."
    fi
} >"$out/realip.conf"

# ---- static parts and the main file ----------------------------------------------------------------------
for file in proxy_params.conf problems.conf mime.conf; do
    if [ "$here/$file" != "$out/$file" ]; then
        cp "$here/$file" "$out/$file"
    fi
done

if [ -n "$NGINX_USER" ]; then
    user_line="user $NGINX_USER;"
else
    user_line="# user: nginx's default (only used when started as root)"
fi

# All values were checked above and contain no '|', '&' or '\', so they are safe in a sed replacement.
sed -e "s|@WORKER_PROCESSES@|$WORKER_PROCESSES|g" \
    -e "s|@USER_LINE@|$user_line|g" \
    -e "s|@RUN_DIR@|$RUN_DIR|g" \
    -e "s|@CONF_DIR@|$CONF_DIR|g" \
    -e "s|@ERROR_LOG@|$ERROR_LOG|g" \
    -e "s|@ACCESS_LOG@|$ACCESS_LOG|g" \
    -e "s|@LISTEN@|$LISTEN|g" \
    -e "s|@STATUS_LISTEN@|$STATUS_LISTEN|g" \
    -e "s|@DOCS_ROOT@|$DOCS_ROOT|g" \
    -e "s|@AUTH_RATE@|$AUTH_RATE|g" \
    -e "s|@AUTH_BURST@|$AUTH_BURST|g" \
    "$here/nginx.conf.template" >"$out/nginx.conf"
if grep -n '@[A-Z_]*@' "$out/nginx.conf" >&2; then
    die "unreplaced tokens in $out/nginx.conf"
fi

# nginx needs these before it starts (it creates tmp/'s subdirectories itself).
if mkdir -p "$RUN_DIR/tmp" "$RUN_DIR/logs" 2>/dev/null; then
    :
else
    echo "render.sh: note: create $RUN_DIR/tmp and $RUN_DIR/logs where nginx runs" >&2
fi

echo "$out/nginx.conf"
