#!/usr/bin/env bash
# Catalog page cost as the catalog grows, against a bare Vert.x server in a separate process, measured with wrk.
#
#   bench/catalog-size-bench.sh                      sizes 1000 20000 200000 1000000 (the last load takes minutes)
#   SIZES="1000 20000" bench/catalog-size-bench.sh   a quicker curve
#
# Builds nothing: expects launcher/target/product-store.jar (./mvnw -q package -DskipTests). Starts, in a fresh temp
# directory, the all-in-one store with its own embedded Cassandra (HTTP_PORT 18280, CASSANDRA_PORT 9342) and the
# bare server (store.launcher.BareHelloServer: "Hello" from two event-loop verticles, nothing else) on BARE_PORT
# 18290. For each size it grows the catalog to that many generated products in 10 categories (`load-products`, run
# against the same node), waits for the listing cache to expire, then runs wrk on:
#   bare       the bare server
#   category   a shopper's first page of one category (GET /api/products/?category=bench-0&limit=20)
#   by-price   a deeper page of it, by price, descending (skip=100&limit=20&sort_by=price&sort_order=desc)
#   all        an admin's first page of everything (GET /api/products/?limit=20)
# Writes the table to OUT (default docs/img/catalog-size.tsv) and draws docs/img/catalog-size.png with
# bench/PlotCurve.java (Java's own 2D graphics: no plotting package needed).
#
# The bare server and the category page are measured in turn PAIRS times (default 3) at each size; the table has
# the medians, and each pair's ratio is printed.
#
# Knobs: SIZES, PAIRS (3), THREADS (2), CONNECTIONS (64), DURATION (10s), WARMUP (3s), HTTP_PORT, BARE_PORT,
# CASSANDRA_PORT, OUT, KEEP=1 keeps the temp directory, JAR (another build of the fat jar, for an A/B run).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
JAR=${JAR:-"$ROOT/launcher/target/product-store.jar"}
SIZES=${SIZES:-"1000 20000 200000 1000000"}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10s}
PAIRS=${PAIRS:-3}
WARMUP=${WARMUP:-3s}
HTTP_PORT=${HTTP_PORT:-18280}
BARE_PORT=${BARE_PORT:-18290}
CASSANDRA_PORT=${CASSANDRA_PORT:-9342}
OUT=${OUT:-$ROOT/docs/img/catalog-size.tsv}

for tool in wrk curl python3 java; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is required (wrk: apt-get install -y wrk)" >&2; exit 1; }
done
[[ -f "$JAR" ]] || { echo "No fat jar at $JAR. Build it first: ./mvnw -q package -DskipTests" >&2; exit 1; }

WORK=$(mktemp -d -t catalog-size.XXXXXX)
BASE="http://127.0.0.1:$HTTP_PORT"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ "${KEEP:-0}" == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== starting the store in $WORK and the bare server on $BARE_PORT"
(cd "$WORK" && exec env -u CASSANDRA_HOST HTTP_PORT="$HTTP_PORT" CASSANDRA_PORT="$CASSANDRA_PORT" \
  java -jar "$JAR" all >"$WORK/store.log" 2>&1) &
PIDS+=($!)
STORE_PID=$!
java -cp "$JAR" store.launcher.BareHelloServer "$BARE_PORT" >"$WORK/bare.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 180); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health/ready" || true)" == 200 ]] && break
  kill -0 "$STORE_PID" 2>/dev/null || { tail -n 40 "$WORK/store.log" >&2; exit 1; }
  sleep 1
done
curl -sf "http://127.0.0.1:$BARE_PORT/" >/dev/null || { echo "bare server not answering" >&2; exit 1; }

USER_TOKEN=$(login swagger_user password123)
ADMIN_TOKEN=$(login swagger_admin admin123)

measure() { # measure <url> [token] -> "rps p50 p99"
  local auth=() out
  [[ -n "${2:-}" ]] && auth=(-H "Authorization: Bearer $2")
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${auth[@]}" "$1" >/dev/null
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${auth[@]}" "$1")
  if grep -q "Non-2xx" <<<"$out"; then echo "non-2xx answers from $1" >&2; exit 1; fi
  echo "$(awk '/^Requests\/sec:/ {print $2}' <<<"$out") $(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")" \
    "$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
}

column_median() { # column_median <column> <lines>: the median of that column
  awk -v c="$1" 'NF { print $c }' <<<"$2" | sort -g \
    | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

echo "== warming both servers up (JIT) for 10 s each"
wrk -t"$THREADS" -c"$CONNECTIONS" -d10s "http://127.0.0.1:$BARE_PORT/" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d10s -H "Authorization: Bearer $USER_TOKEN" \
  "$BASE/api/products/?category=Books&limit=20" >/dev/null

mkdir -p "$(dirname "$OUT")"
printf 'products\tload_s\tbare_rps\tbare_p99_ms\tcategory_rps\tcategory_p50_ms\tcategory_p99_ms\tby_price_rps\tby_price_p99_ms\tall_rps\tall_p99_ms\tstore_rss_mib\tnode_rss_mib\n' >"$OUT"
loaded=0
for size in $SIZES; do
  add=$(( size - loaded ))
  started=$(date +%s.%N)
  if (( add > 0 )); then
    echo "== loading $add products (to $size)"
    (cd "$WORK" && CASSANDRA_HOST=127.0.0.1 CASSANDRA_PORT="$CASSANDRA_PORT" java -jar "$JAR" load-products "$add")
  fi
  load_s=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.0f", e - s }')
  loaded=$size
  sleep 6 # the listing cache's 5 s: the pages below are read from the grown catalog
  body=$(curl -sf -H "Authorization: Bearer $USER_TOKEN" "$BASE/api/products/?category=bench-0&limit=20")
  [[ "$body" == *'"has_next"'* ]] || { echo "unexpected page: ${body:0:200}" >&2; exit 1; }
  # the bare server and the category page, in turn, PAIRS times: this machine's RPS moves by 10-20 % from one
  # minute to the next, so each figure is the median of its runs, and each pair's ratio is printed
  runs=""
  for ((pair = 1; pair <= PAIRS; pair++)); do
    read -r b_rps _ b_p99 < <(measure "http://127.0.0.1:$BARE_PORT/")
    read -r c_rps c_p50 c_p99 < <(measure "$BASE/api/products/?category=bench-0&limit=20" "$USER_TOKEN")
    echo "   pair $pair: bare $b_rps RPS (p99 $b_p99 ms), category page $c_rps RPS (p99 $c_p99 ms):" \
      "$(awk -v c="$c_rps" -v b="$b_rps" 'BEGIN { printf "%.1f", 100 * c / b }') %"
    runs+="$b_rps $b_p99 $c_rps $c_p50 $c_p99"$'\n'
  done
  bare_rps=$(column_median 1 "$runs"); bare_p99=$(column_median 2 "$runs")
  cat_rps=$(column_median 3 "$runs"); cat_p50=$(column_median 4 "$runs"); cat_p99=$(column_median 5 "$runs")
  echo "   median: bare $bare_rps RPS, category page $cat_rps RPS:" \
    "$(awk -v c="$cat_rps" -v b="$bare_rps" 'BEGIN { printf "%.1f", 100 * c / b }') % of the bare server"
  read -r price_rps _ price_p99 < <(measure \
    "$BASE/api/products/?category=bench-0&skip=100&limit=20&sort_by=price&sort_order=desc" "$USER_TOKEN")
  read -r all_rps _ all_p99 < <(measure "$BASE/api/products/?limit=20" "$ADMIN_TOKEN")
  # the launcher and the store JVM it sized (JvmSizing) both count
  store_rss=$(( $(pgrep -f "product-store.jar all" | xargs -n 1 ps -o rss= -p | awk '{ s += $1 } END { print s }') / 1024 ))
  node_rss=$(( $(ps -o rss= -p "$(pgrep -f store.cassandra.NodeMain | head -n 1)" | tr -d ' ') / 1024 ))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$load_s" "$bare_rps" "$bare_p99" \
    "$cat_rps" "$cat_p50" "$cat_p99" "$price_rps" "$price_p99" "$all_rps" "$all_p99" "$store_rss" "$node_rss" \
    | tee -a "$OUT"
done

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores; table in $OUT"
column -t "$OUT"
java "$ROOT/bench/PlotCurve.java" "$OUT" "${OUT%.tsv}.png"
