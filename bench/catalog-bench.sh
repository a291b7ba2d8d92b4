#!/usr/bin/env bash
# Catalog page vs. a bare route, measured with wrk against the fat jar in all-in-one mode.
#
#   bench/catalog-bench.sh               sample catalog (5 categories x 10 products), category page vs /hello
#   bench/catalog-bench.sh --load-20k    first load 20 000 products (10 categories x 2 000, bench/load-products.py),
#                                        then the same comparison on one of those categories, plus an admin's
#                                        listing of everything
#
# Builds nothing: expects launcher/target/product-store.jar (./mvnw -q package -DskipTests), or JAR. Starts the jar
# in a fresh temp directory with its own embedded Cassandra (CASSANDRA_PORT, default 9342) on HTTP_PORT (default 18280),
# waits for /health/ready, mints JWTs with python3's stdlib, runs wrk, prints RPS / p50 / p99 and the store's CPU
# time per answer for each URL, the ratio catalog/hello and the RSS of the JVMs, then stops the jar with SIGTERM.
#
# Knobs (environment): HTTP_PORT, CASSANDRA_PORT, THREADS (2), CONNECTIONS (64), DURATION (15s), WARMUP (5s),
# LOAD_THREADS (16), JAVA_OPTS (for the store JVM), KEEP=1 keeps the temp directory (data and store.log), JAR
# (another build of the fat jar, for an A/B run). Without a heap option the launcher starts a sized store JVM and
# hands it its own options, so for a JFR recording add one (JAVA_OPTS="-Xmx256m -XX:StartFlightRecording=…"):
# otherwise both JVMs record, into the same file.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
JAR=${JAR:-"$ROOT/launcher/target/product-store.jar"}
HTTP_PORT=${HTTP_PORT:-18280}
CASSANDRA_PORT=${CASSANDRA_PORT:-9342}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-5s}
LOAD_THREADS=${LOAD_THREADS:-16}
LOAD=false

for arg in "$@"; do
  case "$arg" in
    --load-20k) LOAD=true ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "unknown option: $arg (try --help)" >&2; exit 2 ;;
  esac
done

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk is not installed. On Debian/Ubuntu: apt-get install -y wrk" >&2
  exit 1
fi
require_tools curl python3 java
require_jar
require_free_ports "$HTTP_PORT" "$CASSANDRA_PORT"

WORK=$(mktemp -d -t catalog-bench.XXXXXX)
SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
BASE="http://127.0.0.1:$HTTP_PORT"
PID=""

stop_store() {
  [[ -n "$PID" ]] || return 0
  if kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID"
    for _ in $(seq 1 120); do kill -0 "$PID" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$PID" 2>/dev/null; then
      echo "store did not stop within 60 s of SIGTERM; killing it" >&2
      kill -KILL "$PID" 2>/dev/null || true
    fi
  fi
  local code=0
  wait "$PID" 2>/dev/null || code=$?
  echo "store stopped (exit code $code)"
  PID=""
}
cleanup() {
  stop_store
  if [[ "${KEEP:-0}" == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== starting $JAR in $WORK (HTTP $HTTP_PORT, embedded Cassandra on $CASSANDRA_PORT)"
(
  cd "$WORK"
  # shellcheck disable=SC2086 # JAVA_OPTS holds several options, split on purpose
  exec env -u CASSANDRA_HOST SECRET_KEY="$SECRET" HELLO_ROUTE=true HTTP_PORT="$HTTP_PORT" CASSANDRA_PORT="$CASSANDRA_PORT" \
    java ${JAVA_OPTS:-} -jar "$JAR" all >"$WORK/store.log" 2>&1
) &
PID=$!

started=$(date +%s)
until [[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health/ready" || true)" == 200 ]]; do
  if ! kill -0 "$PID" 2>/dev/null; then
    echo "the store exited while starting; last log lines:" >&2
    tail -n 40 "$WORK/store.log" >&2
    exit 1
  fi
  if (( $(date +%s) - started > 180 )); then
    echo "not ready within 180 s; last log lines:" >&2
    tail -n 40 "$WORK/store.log" >&2
    exit 1
  fi
  sleep 1
done
echo "ready after $(( $(date +%s) - started )) s"

USER_TOKEN=$(login swagger_user password123)
ADMIN_TOKEN=$(login swagger_admin admin123)

if $LOAD; then
  echo "== loading 20 000 products (10 categories) with $LOAD_THREADS threads"
  python3 "$ROOT/bench/load-products.py" --base "$BASE" --token "$ADMIN_TOKEN" --count 20000 --categories 10 \
    --threads "$LOAD_THREADS"
fi

CATEGORIES=$(curl -sf -H "Authorization: Bearer $USER_TOKEN" "$BASE/api/products/categories/list")
# the largest category: with --load-20k one of the bench categories (2 000 products), else a sample one (10)
read -r CATEGORY COUNT ENCODED < <(python3 -c '
import json, sys, urllib.parse
cats = json.loads(sys.argv[1])
if not cats:
    sys.exit("no categories: is the sample catalog off?")
c = max(cats, key=lambda c: (c["product_count"], c["name"]))
print(c["name"].replace(" ", "_"), c["product_count"], urllib.parse.quote(c["name"], safe=""))
' "$CATEGORIES")
TOTAL=$(python3 -c 'import json,sys; print(sum(c["product_count"] for c in json.loads(sys.argv[1])))' "$CATEGORIES")
echo "catalog: $TOTAL products; benchmarking category '$CATEGORY' ($COUNT products)"

HELLO_URL="$BASE/hello"
CATALOG_URL="$BASE/api/products/?category=$ENCODED&limit=20"
ALL_URL="$BASE/api/products/?limit=20"

# check the URLs answer what we think before timing them
check() { # check <url> <token|-> <expected body fragment>
  local body
  if [[ "$2" == - ]]; then body=$(curl -sf "$1"); else body=$(curl -sf -H "Authorization: Bearer $2" "$1"); fi
  [[ "$body" == *"$3"* ]] || { echo "unexpected answer from $1: ${body:0:200}" >&2; exit 1; }
}
check "$HELLO_URL" - hello
check "$CATALOG_URL" "$USER_TOKEN" '"has_next"'
check "$ALL_URL" "$ADMIN_TOKEN" '"has_next"'

store_cpu_ticks() { # CPU time (user + system, clock ticks) of the launcher and the store JVM it sized
  local sum=0 pid jvm
  jvm=$(pgrep -P "$PID" -f store.relaunched | head -n 1 || true)
  for pid in "$PID" $jvm; do
    sum=$(( sum + $(awk '{ print $14 + $15 }' "/proc/$pid/stat") ))
  done
  echo "$sum"
}

declare -A RPS P50 P99 CPU_US
run() { # run <name> <url> [token]
  local name=$1 url=$2 token=${3:-} out ticks
  local auth=()
  [[ -n "$token" ]] && auth=(-H "Authorization: Bearer $token")
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${auth[@]}" "$url" >/dev/null
  ticks=$(store_cpu_ticks)
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${auth[@]}" "$url")
  ticks=$(( $(store_cpu_ticks) - ticks ))
  echo "---- $name: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency ${token:+-H 'Authorization: Bearer …' }$url"
  echo "$out"
  if grep -q "Non-2xx" <<<"$out"; then
    echo "$name: some answers were not 2xx; figures are not valid" >&2
    exit 1
  fi
  RPS[$name]=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  P50[$name]=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  P99[$name]=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  # the store's own CPU per answer: what a change costs the store, whatever else (wrk, a trace backend) shares the cores
  CPU_US[$name]=$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$(awk '/requests in/ {print $1}' <<<"$out")" \
    'BEGIN { printf "%.1f", 1e6 * t / hz / n }')
}

echo "== wrk: $THREADS threads, $CONNECTIONS connections, $DURATION each (after a $WARMUP warm-up)"
run hello "$HELLO_URL"
run catalog "$CATALOG_URL" "$USER_TOKEN"
if $LOAD; then
  run all-products "$ALL_URL" "$ADMIN_TOKEN"
fi

# `java -jar` without heap options is the launcher plus the store JVM it sized (JvmSizing): both count
STORE_JVM=$(pgrep -P "$PID" -f store.relaunched | head -n 1 || true)
STORE_RSS=$(ps -o rss= -p "$PID" ${STORE_JVM:+-p "$STORE_JVM"} | awk '{ sum += $1 } END { print sum }')
NODE_PID=$(pgrep -f store.cassandra.NodeMain -P "${STORE_JVM:-$PID}" | head -n 1 || true)
NODE_RSS=$([[ -n "$NODE_PID" ]] && ps -o rss= -p "$NODE_PID" | tr -d ' ' || echo "?")

echo
echo "== results ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, catalog of $TOTAL products)"
printf '%-14s %10s %10s %10s %14s\n' route RPS "p50 ms" "p99 ms" "store CPU µs"
names=(hello catalog)
$LOAD && names+=(all-products)
for n in "${names[@]}"; do
  printf '%-14s %10s %10s %10s %14s\n' "$n" "${RPS[$n]}" "${P50[$n]}" "${P99[$n]}" "${CPU_US[$n]}"
done
RATIO=$(awk -v c="${RPS[catalog]}" -v h="${RPS[hello]}" 'BEGIN { printf "%.1f", 100 * c / h }')
echo "catalog/hello RPS: $RATIO %  (target >= 50 %)"
awk -v p="${P99[catalog]}" 'BEGIN { exit !(p < 20) }' && P99_OK=met || P99_OK="NOT met"
awk -v r="$RATIO" 'BEGIN { exit !(r >= 50) }' && RATIO_OK=met || RATIO_OK="NOT met"
echo "target catalog >= 50 % of hello: $RATIO_OK; catalog p99 < 20 ms: $P99_OK"
if [[ -n ${OTEL_TRACES_EXPORTER:-} ]]; then
  # the SDK drops spans when its queue is full, and a store that drops spans does less work than one exporting all
  curl -sf "$BASE/metrics" | awk '/^tracing_spans_ended_total/ { ended += $2 }
    /^tracing_spans_exported_total/ && /outcome="success"/ { sent += $2 }
    END { if (ended > 0) printf "spans: %d recorded, %d exported (%.1f %%)\n", ended, sent, 100 * sent / ended }'
fi
echo "RSS: store $(( STORE_RSS / 1024 )) MiB (launcher pid $PID${STORE_JVM:+ + store JVM pid $STORE_JVM}); embedded Cassandra JVM" \
  "$([[ "$NODE_RSS" == "?" ]] && echo "?" || echo "$(( NODE_RSS / 1024 )) MiB") (pid ${NODE_PID:-?})"
echo
stop_store
