#!/usr/bin/env bash
# A shopper's product view (POST /cart-api/products/{id}/view: the product from the catalog, the view recorded),
# measured with wrk against the fat jar in all-in-one mode, at 1 and at 8 connections.
#
#   bench/view-bench.sh
#
# Builds nothing: expects launcher/target/product-store.jar (./mvnw -q package -DskipTests), or JAR=… for another
# build (an A/B). Starts it in a fresh temp directory with its own embedded Cassandra (dev profile: sample catalog
# and demo users), logs in as swagger_user, warms up for WARMUP, then prints RPS, p50 and p99 for each connection
# count and stops the jar with SIGTERM.
#
# Knobs (environment): JAR, HTTP_PORT (18990), CASSANDRA_PORT (9642), DURATION (15s), WARMUP (10s).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
JAR=${JAR:-"$ROOT/launcher/target/product-store.jar"}
HTTP_PORT=${HTTP_PORT:-18990}
CASSANDRA_PORT=${CASSANDRA_PORT:-9642}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-10s}
BASE="http://127.0.0.1:$HTTP_PORT"

case "${1:-}" in
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
  '') ;;
  *) echo "no arguments (try --help)" >&2; exit 2 ;;
esac
require_tools curl python3 java wrk
require_jar
require_free_ports "$HTTP_PORT" "$CASSANDRA_PORT"

WORK=$(mktemp -d -t view-bench.XXXXXX)
PID=""
cleanup() {
  if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID"
    wait "$PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

(cd "$WORK" && exec env -u CASSANDRA_HOST HTTP_PORT="$HTTP_PORT" CASSANDRA_PORT="$CASSANDRA_PORT" \
  java -jar "$JAR" all >"$WORK/store.log" 2>&1) &
PID=$!
for _ in $(seq 1 360); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health/ready" || true)" == 200 ]] && break
  if ! kill -0 "$PID" 2>/dev/null; then
    echo "the store exited while starting:" >&2
    tail -n 40 "$WORK/store.log" >&2
    exit 1
  fi
  sleep 0.5
done

TOKEN=$(login swagger_user password123)
PRODUCT=$(curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/products/categories/list" | python3 -c '
import json, sys, urllib.parse, urllib.request
category = json.load(sys.stdin)[0]["name"]
request = urllib.request.Request(sys.argv[1] + "/api/products/?category=" + urllib.parse.quote(category),
                                 headers={"Authorization": "Bearer " + sys.argv[2]})
print(json.load(urllib.request.urlopen(request))["items"][0]["product_id"])' "$BASE" "$TOKEN")
URL="$BASE/cart-api/products/$PRODUCT/view"
printf 'wrk.method = "POST"\nwrk.headers["Authorization"] = "Bearer %s"\n' "$TOKEN" >"$WORK/view.lua"
[[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" "$URL")" == 200 ]] \
  || { echo "the view does not answer 200" >&2; exit 1; }

wrk -t1 -c1 -d"$WARMUP" -s "$WORK/view.lua" "$URL" >/dev/null
printf '%-12s %10s %10s %10s\n' connections RPS p50_ms p99_ms
for connections in 1 8; do
  out=$(wrk -t1 -c"$connections" -d"$DURATION" --latency -s "$WORK/view.lua" "$URL")
  if grep -q "Non-2xx" <<<"$out"; then echo "errors under load:" >&2; echo "$out" >&2; exit 1; fi
  printf '%-12s %10s %10s %10s\n' "$connections" "$(awk '/Requests\/sec/ { print $2 }' <<<"$out")" \
    "$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")" "$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")"
done
