#!/usr/bin/env bash
# Tests the gateway configuration with the real nginx (Debian's package), in well under a minute:
#  1. renders it for a test layout (127.0.0.1 ports) and for docker compose (service names) and runs
#     `nginx -t` on both;
#  2. starts nginx, as an unprivileged user, in front of tiny fake upstreams (nginx/test/fake_upstreams.py,
#     which echo what reaches them) and checks with curl what the gateway promises (SPEC §4): prefixes
#     stripped, identity headers dropped, /internal/ and /metrics closed, request ids, rate limits, replicas,
#     retries for idempotent requests only, CORS, security headers, problem+json errors, the tool routes,
#     stub_status and the JSON access log.
# Without nginx: SKIP (exit 0), or exit 1 when CI=true. No Docker, no Maven.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

NGINX=${NGINX:-$(command -v nginx || true)}
if [[ -z $NGINX && -x /usr/sbin/nginx ]]; then
    NGINX=/usr/sbin/nginx
fi
if [[ -z $NGINX ]]; then
    if [[ ${CI:-} == true ]]; then
        echo "nginx/check.sh: nginx is not installed (apt-get install -y nginx)" >&2
        exit 1
    fi
    echo "SKIP nginx/check.sh: nginx is not installed (apt-get install -y nginx)"
    exit 0
fi
for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "nginx/check.sh: $tool is required" >&2; exit 1; }
done
# Debian's python3 when present: it starts in ~20 ms (a pyenv shim takes ~10x longer, many times over).
PY=python3
[[ ! -x /usr/bin/python3 ]] || PY=/usr/bin/python3

work=$(mktemp -d /tmp/gateway-check.XXXXXX)
chmod 755 "$work" # nginx's workers (and an unprivileged master) must reach the files inside
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
ok() {
    echo "ok   $*"
    passed=$((passed + 1))
}
bad() {
    echo "FAIL $*"
    failed=$((failed + 1))
}
# check DESCRIPTION COMMAND...: the command's success is the check's.
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}

# ---- ports, fake upstreams ---------------------------------------------------------------------------------
read -r P_NGINX P_STATUS P_CAT_A P_CAT_B P_CART P_ORDER_BAD P_ORDER_GOOD P_USER P_LOCUST P_JAEGER < <(
    "$PY" -c '
import socket
socks = [socket.socket() for _ in range(10)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')

# wait_for FILE: until the fake upstreams process writing FILE says "ready" (10 s at most).
wait_for() {
    local i
    for i in $(seq 100); do
        grep -q ready "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nginx/check.sh: fake upstreams did not start: $(cat "$1")" >&2
    exit 1
}
"$PY" "$here/test/fake_upstreams.py" catalog-a="$P_CAT_A" catalog-b="$P_CAT_B" order-bad="$P_ORDER_BAD:502" \
    order-good="$P_ORDER_GOOD" user="$P_USER" locust="$P_LOCUST" jaeger="$P_JAEGER" >"$work/fakes.out" 2>&1 &
pids+=($!)
# The cart runs alone, so it can be stopped at the end to see the gateway's own 502.
"$PY" "$here/test/fake_upstreams.py" cart="$P_CART" >"$work/cart.out" 2>&1 &
cart_pid=$!
pids+=("$cart_pid")
wait_for "$work/fakes.out"
wait_for "$work/cart.out"

mkdir -p "$work/site/guide"
echo '<!doctype html><title>Product Store docs</title><a href="guide/">Guide</a>' >"$work/site/index.html"
echo '<!doctype html><title>Guide</title>' >"$work/site/guide/index.html"
chmod -R a+rX "$work/site"

# As root, nginx runs as nobody here, as it would in an unprivileged container: everything it writes (pid,
# temp, logs) is in its render directory. setpriv execs its command, so a background job's $! is nginx's pid.
as_runner=(env)
if [[ $EUID -eq 0 ]] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
    as_runner=(setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups)
fi
# The clone may live where nobody cannot read (a 0700 home or mktemp directory): render from a copy of the
# gateway's sources in the work directory, the same files byte for byte.
src="$work/src"
mkdir -p "$src"
cp "$here"/*.sh "$here"/*.conf "$here"/*.template "$src"/
chmod -R a+rX "$src"

# ---- 1a. the test layout -----------------------------------------------------------------------------------
mkdir -p "$work/test"
[[ $EUID -ne 0 ]] || chown "$(id -u nobody):$(id -g nobody)" "$work/test"
# UPSTREAM_MAX_FAILS=0: the failing order replica is never taken out of the rotation, so the retry checks
# below meet it on every other request instead of only until it is marked down.
"${as_runner[@]}" env LISTEN="127.0.0.1:$P_NGINX" STATUS_LISTEN="127.0.0.1:$P_STATUS" \
    CATALOG_UPSTREAMS="127.0.0.1:$P_CAT_A 127.0.0.1:$P_CAT_B" CART_UPSTREAMS="127.0.0.1:$P_CART" \
    ORDER_UPSTREAMS="127.0.0.1:$P_ORDER_BAD 127.0.0.1:$P_ORDER_GOOD" USER_UPSTREAMS="127.0.0.1:$P_USER" \
    LOCUST_UPSTREAM="127.0.0.1:$P_LOCUST" JAEGER_UPSTREAM="127.0.0.1:$P_JAEGER" \
    DOCS_ROOT="$work/site" CORS_ORIGINS="http://app.example https://shop.example:8443" \
    UPSTREAM_MAX_FAILS=0 WORKER_PROCESSES=1 \
    sh "$src/render.sh" "$work/test" >/dev/null
check "nginx -t: test layout (127.0.0.1 ports)" \
    "${as_runner[@]}" "$NGINX" -q -t -e "$work/test/logs/error.log" -c "$work/test/nginx.conf"

# ---- 1b. the compose layout --------------------------------------------------------------------------------
# Upstream names must resolve when nginx loads its config, and compose's names (catalog-1, cart-2, ..., as
# observability/prometheus scrapes them) don't resolve on this machine. The rendered config is tested unchanged: `nginx -t` runs in a private mount
# namespace whose /etc/hosts maps those names to 127.0.0.1 (nothing on the machine changes). Only the run
# paths (pid, temp, logs) point into the work directory instead of the container's. Locust and Jaeger are
# resolved per request through RESOLVER (compose's DNS, 127.0.0.11), so they need no entry.
mkdir -p "$work/compose"
env LISTEN=8080 STATUS_LISTEN=8081 \
    CATALOG_UPSTREAMS="catalog-1:8000 catalog-2:8000" CART_UPSTREAMS="cart-1:8001 cart-2:8001" \
    ORDER_UPSTREAMS="order-1:8002 order-2:8002" USER_UPSTREAMS="user-1:8003 user-2:8003" \
    LOCUST_UPSTREAM="locust:8089" JAEGER_UPSTREAM="jaeger:16686" RESOLVER=127.0.0.11 \
    DOCS_ROOT=/usr/share/nginx/docs TRUSTED_PROXIES="172.16.0.0/12" ACCESS_LOG=/dev/stdout ERROR_LOG=stderr \
    RUN_DIR="$work/compose" sh "$src/render.sh" "$work/compose" >/dev/null
printf '127.0.0.1 localhost catalog-1 catalog-2 cart-1 cart-2 order-1 order-2 user-1 user-2\n' >"$work/compose/hosts"
# shellcheck disable=SC2016 # $1..$3 are expanded by the inner shell
compose_test='mount --bind "$1" /etc/hosts && exec "$2" -q -t -e stderr -c "$3"'
if unshare -m true 2>/dev/null; then
    check "nginx -t: compose layout (service names)" \
        unshare -m sh -c "$compose_test" sh "$work/compose/hosts" "$NGINX" "$work/compose/nginx.conf"
elif unshare -rm true 2>/dev/null; then
    check "nginx -t: compose layout (service names)" \
        unshare -rm sh -c "$compose_test" sh "$work/compose/hosts" "$NGINX" "$work/compose/nginx.conf"
elif [[ ${CI:-} == true ]]; then
    bad "nginx -t: compose layout: cannot create a mount namespace (unshare) to map the service names"
else
    echo "SKIP nginx -t: compose layout: cannot create a mount namespace (unshare) to map the service names"
fi

# ---- 2. nginx in front of the fakes ------------------------------------------------------------------------
"${as_runner[@]}" "$NGINX" -e "$work/test/logs/error.log" -c "$work/test/nginx.conf" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$P_STATUS/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fs "http://127.0.0.1:$P_STATUS/healthz" >/dev/null || {
    cat "$work/test/logs/error.log" >&2
    echo "nginx/check.sh: nginx did not start" >&2
    exit 1
}

B="http://127.0.0.1:$P_NGINX"
# call METHOD PATH [curl args...]: sets $code; headers in $work/h, body in $work/b.
code=
call() {
    local method=$1 path=$2
    shift 2
    code=$(curl -s --path-as-is -o "$work/b" -D "$work/h" -w '%{http_code}' -X "$method" "$@" "$B$path")
}
# header NAME: the last response's header value ("" if absent); header_count NAME: how many times it came.
header() { grep -i "^$1:" "$work/h" | head -n 1 | cut -d' ' -f2- | tr -d '\r' || true; }
header_count() { grep -ci "^$1:" "$work/h" || true; }
# body EXPR: a Python expression over d, the last response's JSON body; prints its value.
body() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' "$work/b" "$1" 2>/dev/null || echo "<not json>"; }
# is_problem STATUS SLUG: the last response is an RFC 9457 problem of that status and type.
is_problem() {
    [[ $code == "$1" ]] && [[ $(header Content-Type) == application/problem+json* ]] &&
        [[ $(body 'd["status"]') == "$1" ]] &&
        [[ $(body 'd["type"]') == "https://product-store.dev/problems/$2" ]] &&
        [[ $(body '"detail" in d and bool(d["detail"])') == True ]]
}
# seen PORT: what the fake upstream on PORT received, one "METHOD PATH TEST_ID" per line.
seen() {
    curl -s "http://127.0.0.1:$1/__seen" |
        "$PY" -c 'import json,sys; [print(r["method"], r["path"], r["test_id"]) for r in json.load(sys.stdin)]'
}

# Prefixes are stripped.
call GET /cart-api/cart/
check "/cart-api/cart/ reaches the cart as /cart/" \
    test "$code $(body 'd["upstream"]') $(body 'd["path"]')" = "200 cart /cart/"
call GET "/api/products/?category=Books&limit=5"
check "/api/products/?category=… reaches the catalog as /products/?category=…" \
    test "$(body 'd["upstream"][:7]') $(body 'd["path"]')" = "catalog /products/?category=Books&limit=5"
call GET /user-api/users/me
check "/user-api/users/me reaches the user service as /users/me" \
    test "$(body 'd["upstream"]') $(body 'd["path"]')" = "user /users/me"

# Identity headers are dropped; Authorization, trace context and forwarding headers pass, set by the gateway.
call GET /cart-api/cart/ -H 'X-User-ID: swagger_admin' -H 'X-User-Id: swagger_admin' -H 'X-Is-Admin: true' \
    -H 'X-Admin: true' -H 'X-Internal-Credential: forged' -H 'X-Forwarded-User: swagger_admin' \
    -H 'X_User_ID: swagger_admin' -H 'X-Forwarded-For: 6.6.6.6' -H 'X-Real-IP: 6.6.6.6' -H 'Forwarded: for=6.6.6.6' \
    -H 'Authorization: Bearer abc.def.ghi' -H 'traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' \
    -H 'tracestate: vendor=1' -H 'Idempotency-Key: k-1'
check "forged X-User-ID / X-Is-Admin / X-Internal-Credential (any spelling) are not forwarded" \
    test "$(body '[h for h in d["headers"] if h.replace("_", "-") in ("x-user-id", "x-is-admin", "x-admin", "x-internal-credential", "x-forwarded-user")]')" = "[]"
check "Authorization, traceparent, tracestate and Idempotency-Key are forwarded" \
    test "$(body '[d["headers"].get(h) for h in ("authorization", "traceparent", "tracestate", "idempotency-key")]')" \
    = "['Bearer abc.def.ghi', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'vendor=1', 'k-1']"
check "the upstream sees the client's Host, port included (the services' same-origin test needs it)" \
    test "$(body 'd["headers"]["host"]')" = "127.0.0.1:$P_NGINX"
check "X-Forwarded-For and X-Real-IP name the real peer, not the client's claim; Forwarded is dropped" \
    test "$(body '[d["headers"].get(h) for h in ("x-forwarded-for", "x-real-ip", "forwarded", "x-forwarded-proto")]')" \
    = "['127.0.0.1', '127.0.0.1', None, 'http']"

# The services answer uncompressed (http.compression is off): the gateway gzips for clients that accept it. The
# fake echoes the request's headers, so a long one makes its JSON answer longer than gzip_min_length.
call GET /cart-api/cart/ -H 'Accept-Encoding: gzip' -H "X-Padding: $(printf '%02000d' 0)"
unzipped=$(gzip -dc <"$work/b" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["upstream"])' || true)
check "a JSON answer over 1 KiB is gzipped for a client that accepts it" \
    test "$code $(header Content-Encoding) $unzipped" = "200 gzip cart"
call GET /cart-api/cart/ -H "X-Padding: $(printf '%02000d' 0)"
check "...and plain for one that does not" test "$code [$(header Content-Encoding)] $(body 'd["upstream"]')" = "200 [] cart"

# /internal/ and /metrics are closed on every prefix, however the path is spelt.
internal_ok=true
for path in /internal/x /cart-api/internal/reserve /api/internal/reserve /order-api/internal/orders \
    /user-api/internal/notify /cart-api//internal/x /cart-api/x/../internal/y /cart-api/%69nternal/x \
    /cart-api/internal%2Fx /CART-API/internal/x /cart-api/Internal/x; do
    for method in GET POST; do
        call "$method" "$path"
        is_problem 404 not-found || { echo "     $method $path answered $code"; internal_ok=false; }
    done
done
check "/internal/… is a 404 problem on every prefix and spelling" "$internal_ok"
metrics_ok=true
for path in /metrics /api/metrics /cart-api/metrics /order-api/metrics /user-api/metrics /api//metrics; do
    call GET "$path"
    is_problem 404 not-found || { echo "     GET $path answered $code"; metrics_ok=false; }
done
check "/metrics is a 404 problem on every prefix" "$metrics_ok"
check "no upstream ever received an /internal/ or /metrics request" \
    test -z "$(for p in "$P_CAT_A" "$P_CAT_B" "$P_CART" "$P_ORDER_BAD" "$P_ORDER_GOOD" "$P_USER"; do seen "$p"; done |
        grep -Ei ' /+(internal|metrics)' || true)"

# Request ids: generated when absent, kept when sane, always returned.
call GET /cart-api/cart/
generated=$(header X-Request-ID)
check "X-Request-ID is generated (32 hex), sent upstream and returned once" \
    test "$(grep -Eqx '[0-9a-f]{32}' <<<"$generated" && echo hex) $(body 'd["headers"]["x-request-id"]') $(header_count X-Request-ID)" \
    = "hex $generated 1"
call GET /cart-api/cart/ -H 'X-Request-ID: test-req-123'
check "a client's X-Request-ID is kept and echoed" \
    test "$(header X-Request-ID) $(body 'd["headers"]["x-request-id"]')" = "test-req-123 test-req-123"
call GET /cart-api/cart/ -H 'X-Request-ID: <script>'
check "a malformed X-Request-ID is replaced" grep -Eqx '[0-9a-f]{32}' <<<"$(header X-Request-ID)"
call GET /nope -H 'X-Request-ID: test-req-404'
check "unknown routes are 404 problems, and carry the request id" \
    test "$(is_problem 404 not-found && echo problem) $(header X-Request-ID)" = "problem test-req-404"

# Security headers (on proxied answers and the gateway's own errors alike), CSP per area.
call GET /cart-api/cart/
check "security headers on a proxied answer" test \
    "$(header X-Content-Type-Options)|$(header X-Frame-Options)|$(header Referrer-Policy)|$(header Content-Security-Policy)" \
    = "nosniff|DENY|no-referrer|default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
call GET /internal/x
check "security headers on the gateway's own error" test "$(header X-Content-Type-Options)|$(header X-Frame-Options)" = "nosniff|DENY"
call GET /swagger/
check "/swagger/ is proxied with its path to the swagger upstream, with a CSP that lets Swagger UI run" \
    test "$(body 'd["upstream"][:7]') $(body 'd["path"]')|$(header Content-Security-Policy | grep -o "script-src 'self'; style-src 'self' 'unsafe-inline'")" \
    = "catalog /swagger/|script-src 'self'; style-src 'self' 'unsafe-inline'"
call GET /swagger
check "/swagger redirects to /swagger/" test "$code $(header Location)" = "301 /swagger/"

# CORS: allow-listed origins only, answered by the gateway (the upstream's "*" is hidden).
call GET /cart-api/cart/ -H 'Origin: http://app.example'
check "CORS: an allowed origin is echoed once (the upstream's own header hidden)" \
    test "$(header Access-Control-Allow-Origin)|$(header_count Access-Control-Allow-Origin)|$(header Vary)" = "http://app.example|1|Origin"
call GET /cart-api/cart/ -H 'Origin: http://evil.example'
check "CORS: another origin gets no Access-Control-Allow-Origin" test "$(header_count Access-Control-Allow-Origin)" = 0
call OPTIONS /cart-api/cart/items -H 'Origin: https://shop.example:8443' -H 'Access-Control-Request-Method: POST' \
    -H 'Access-Control-Request-Headers: authorization,content-type'
check "CORS: preflight answered 204 by the gateway, with methods and headers" \
    test "$code|$(header Access-Control-Allow-Origin)|$(header Access-Control-Allow-Methods)" \
    = "204|https://shop.example:8443|GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
check "CORS: no preflight reached the cart" test -z "$(seen "$P_CART" | grep '^OPTIONS' || true)"

# Body limit.
head -c 1100000 /dev/zero | tr '\0' 'a' >"$work/big"
call POST /cart-api/cart/items -H 'Content-Type: application/json' --data-binary "@$work/big"
check "a body over 1 MiB is a 413 problem" is_problem 413 payload-too-large

# Two replicas of the catalog both serve.
for _ in 1 2 3 4 5 6; do
    call GET /api/products/categories/list
    body 'd["upstream"]'
done >"$work/catalog-replicas"
check "both catalog replicas receive traffic" test "$(sort -u "$work/catalog-replicas" | tr '\n' ' ')" = "catalog-a catalog-b "

# Retries: the order upstream is [a replica answering 502, a healthy one]. A POST that met the failing replica
# gets its 502 (never replayed on the other: it might have been applied); a GET/PUT/DELETE is retried there.
declare -A answer
for i in 1 2 3 4 5 6; do
    call POST /order-api/orders/ -H "X-Test-Id: post-$i" -H 'Content-Type: application/json' -d '{}'
    answer[post-$i]=$code
    call GET "/order-api/orders/o-$i" -H "X-Test-Id: get-$i"
    answer[get-$i]=$code
    call PUT "/order-api/orders/o-$i/cancel" -H "X-Test-Id: put-$i"
    answer[put-$i]=$code
    call DELETE "/order-api/orders/o-$i" -H "X-Test-Id: delete-$i"
    answer[delete-$i]=$code
done
seen "$P_ORDER_BAD" | awk '{print $3}' >"$work/order-bad"
seen "$P_ORDER_GOOD" | awk '{print $3}' >"$work/order-good"
post_ok=true
idem_ok=true
posts_met=0
idem_met=0
while read -r id; do
    [[ $id =~ ^(post|get|put|delete)-[0-9]+$ ]] || continue
    if [[ $id == post-* ]]; then
        posts_met=$((posts_met + 1))
        if [[ ${answer[$id]} != 502 ]] || grep -qx "$id" "$work/order-good"; then
            echo "     $id: answered ${answer[$id]}, replayed: $(grep -cx "$id" "$work/order-good")"
            post_ok=false
        fi
    else
        idem_met=$((idem_met + 1))
        if [[ ${answer[$id]} != 200 ]] || ! grep -qx "$id" "$work/order-good"; then
            echo "     $id: answered ${answer[$id]}, retried: $(grep -cx "$id" "$work/order-good")"
            idem_ok=false
        fi
    fi
done <"$work/order-bad"
check "a POST that met the failing replica is answered 502 and not retried ($posts_met met it)" \
    test "$post_ok $((posts_met > 0))" = "true 1"
check "a GET/PUT/DELETE that met the failing replica is retried on the other and answered 200 ($idem_met met it)" \
    test "$idem_ok $((idem_met > 0))" = "true 1"

# Profiles, docs, tools.
call GET /profiles/
check "/profiles/ is proxied with its path to the catalog" test "$(body 'd["upstream"][:7]') $(body 'd["path"]')" = "catalog /profiles/"
call GET /docs/
check "/docs/ serves the MkDocs site" test "$code $(grep -c 'Product Store docs' "$work/b")" = "200 1"
call GET /docs/guide/
check "/docs/guide/ serves a page by directory URL" test "$code $(grep -c '<title>Guide' "$work/b")" = "200 1"
call GET /docs
check "/docs redirects to /docs/" test "$code $(header Location)" = "301 /docs/"
call GET /
check "/ redirects to the docs" test "$code $(header Location)" = "302 /docs/"
call GET /locust/stats/requests -H 'Upgrade: websocket' -H 'Connection: Upgrade'
check "/locust/ is proxied to Locust without its prefix, passing a WebSocket upgrade" \
    test "$(body '[d["upstream"], d["path"], d["headers"].get("upgrade"), d["headers"].get("connection")]')" \
    = "['locust', '/stats/requests', 'websocket', 'upgrade']"
call GET /cart-api/cart/ -H 'Upgrade: h2c' -H 'Connection: Upgrade, HTTP2-Settings' -H 'HTTP2-Settings: AAMAAABkAAQAAP__'
check "an Upgrade header never reaches the services" \
    test "$(body '[d["headers"].get("upgrade"), d["headers"].get("connection"), d["headers"].get("http2-settings")]')" \
    = "[None, None, None]"
call GET '/search?service=catalog'
check "/search opens Jaeger's search page" test "$code $(header Location)" = "302 /jaeger/search?service=catalog"
call GET /jaeger/search
check "/jaeger/ is proxied to Jaeger with its base path" test "$(body 'd["upstream"]') $(body 'd["path"]')" = "jaeger /jaeger/search"

# Rate limits on login and registration: 30 users registering and logging in at once pass...
limited=0
for i in $(seq 30); do
    call POST /user-api/users/register -H 'Content-Type: application/json' -d "{\"username\":\"u$i\"}"
    [[ $code == 200 ]] || limited=$((limited + 1))
    call POST /user-api/token -d "username=u$i&password=p"
    [[ $code == 200 ]] || limited=$((limited + 1))
done
check "30 registrations and 30 logins from one address in a burst all pass" test "$limited" = 0
# ...and past the burst, the token endpoint answers 429 problems with Retry-After.
for _ in $(seq 100); do
    call POST /user-api/token/ -d 'username=u1&password=p'
    [[ $code != 429 ]] || break
done
check "past its burst, POST /user-api/token is a 429 problem with Retry-After: 1" \
    test "$(is_problem 429 too-many-requests && echo problem) $(header Retry-After)" = "problem 1"
call GET /user-api/users/me
check "other user-service routes are not limited, and carry no Retry-After" test "$code $(header_count Retry-After)" = "200 0"

# stub_status on the internal port only.
check "stub_status answers on the internal port" grep -q 'Active connections' <<<"$(curl -s "http://127.0.0.1:$P_STATUS/stub_status")"
call GET /stub_status
check "stub_status is not on the public port" is_problem 404 not-found

# The JSON access log.
check "the access log is JSON with request id, upstream address and upstream time" \
    "$PY" -c '
import json, sys
for line in open(sys.argv[1]):
    entry = json.loads(line)
    if entry["request_id"] == "test-req-123":
        assert entry["upstream_addr"] == "127.0.0.1:" + sys.argv[2], entry
        assert float(entry["upstream_response_time"]) >= 0, entry
        assert entry["status"] == 200 and entry["uri"] == "/cart-api/cart/", entry
        break
else:
    sys.exit("no entry for test-req-123")' "$work/test/logs/access.log" "$P_CART"

# An upstream that is down: the gateway's own 502, as a problem.
kill "$cart_pid"
wait "$cart_pid" 2>/dev/null || true
call GET /cart-api/cart/
check "an unreachable service is a 502 problem from the gateway" is_problem 502 bad-gateway

echo "nginx/check.sh: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
