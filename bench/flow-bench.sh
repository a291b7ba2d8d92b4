#!/usr/bin/env bash
# Add-to-cart and checkout latency, all-in-one (event bus) vs split (four processes, HTTP), in one run.
# Usage: bench/flow-bench.sh [users] [iterations] [--keyed]   (needs the fat jar: ./mvnw -q package -DskipTests)
#   --keyed: every checkout carries an Idempotency-Key, as the store's own clients (Locust) send
#   LINES (1): products in each checkout (one add-to-cart request each)
#   OWN_PRODUCTS=1: each shopper buys products of its own (by default all buy the same ones, whose stock moves then
#   wait for each other)
#   WARMUP (300): unmeasured rounds per shopper first, until the JVMs (the store's and the node's) have compiled the
#   paths: after 50 rounds the JIT still took half of each split service's CPU, and eight shoppers' checkout p50 was
#   114-150 ms against 78-94 ms after 300 or 600 (docs/performance.md, "Write path"). The run takes ~3.5 minutes
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=$PWD/launcher/target/product-store.jar
[ -f "$JAR" ] || { echo "build first: ./mvnw -q package -DskipTests"; exit 1; }
USERS=${1:-8}; ITERATIONS=${2:-60}; WARMUP=${WARMUP:-300}; LINES=${LINES:-1}
FLAGS=(); if [[ ${3:-} == --keyed ]]; then FLAGS=(--keyed); fi
if [[ ${OWN_PRODUCTS:-0} == 1 ]]; then FLAGS+=(--own-products); fi
WORK=$(mktemp -d); OUT=$WORK/results.jsonl
SECRET_KEY=$(head -c 48 /dev/urandom | base64 -w0); INTERNAL_KEY=$(head -c 48 /dev/urandom | base64 -w0)
export SECRET_KEY INTERNAL_KEY PROFILE=dev CASSANDRA_PORT=9442 DEMO_USERS=true SAMPLE_DATA=false \
       ORDER_PROCESSING_DELAY_MS=3600000   # keep the lifecycle quiet while measuring
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_ready() { for _ in $(seq 1 300); do curl -sf "$1/health/live" >/dev/null && return 0; sleep 0.5; done; echo "not ready: $1"; exit 1; }

echo "== all-in-one (event bus)"
(cd "$WORK" && HTTP_PORT=18380 exec java -jar "$JAR" > all.log 2>&1) & PIDS+=($!)
wait_ready http://127.0.0.1:18380
python3 bench/flow_bench.py --topology all --base http://127.0.0.1:18380 --users "$USERS" \
  --iterations "$ITERATIONS" --warmup "$WARMUP" --lines "$LINES" --json "$OUT" \
  ${FLAGS[@]+"${FLAGS[@]}"}
kill "${PIDS[0]}"; wait "${PIDS[0]}" || true; PIDS=()

echo "== split (four processes, HTTP)"
# peers call each other's internal listeners (public port + 1000)
export BACKEND_URL=http://127.0.0.1:19400 CART_SERVICE_URL=http://127.0.0.1:19401 \
       ORDER_SERVICE_URL=http://127.0.0.1:19402 USER_SERVICE_URL=http://127.0.0.1:19403
(cd "$WORK" && HTTP_PORT=18400 exec java -jar "$JAR" catalog > catalog.log 2>&1) & PIDS+=($!)
wait_ready http://127.0.0.1:18400
i=1
for s in cart order user; do
  (cd "$WORK" && CASSANDRA_HOST=127.0.0.1 HTTP_PORT=$((18400 + i)) exec java -jar "$JAR" $s > $s.log 2>&1) & PIDS+=($!)
  i=$((i + 1))
done
for p in 18401 18402 18403; do wait_ready http://127.0.0.1:$p; done
python3 bench/flow_bench.py --topology split --catalog http://127.0.0.1:18400 --cart http://127.0.0.1:18401 \
  --order http://127.0.0.1:18402 --user http://127.0.0.1:18403 --users "$USERS" \
  --iterations "$ITERATIONS" --warmup "$WARMUP" --lines "$LINES" --json "$OUT" \
  ${FLAGS[@]+"${FLAGS[@]}"}

python3 - "$OUT" <<'PY'
import json, sys
rows = {r['topology']: r for r in map(json.loads, open(sys.argv[1]))}
a, s = rows['all'], rows['split']
print('%-22s %12s %12s' % ('', 'event bus', 'HTTP'))
for k in ('add_to_cart_ms', 'checkout_ms'):
    for p in ('p50', 'p99'):
        print('%-22s %12.2f %12.2f' % (k + ' ' + p, a[k][p], s[k][p]))
print('%-22s %12.2f %12.2f' % ('login (bcrypt) p50', a['login_ms']['p50'], s['login_ms']['p50']))
for k in ('add_to_cart_ms', 'checkout_ms'):
    print('event-bus / HTTP, %s p50: %.2f' % (k, a[k]['p50'] / s[k]['p50']))
PY
