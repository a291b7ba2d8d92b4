#!/usr/bin/env bash
# A login flood (2 000 wrong passwords from 50 clients) beside a shopper, against the all-in-one store:
# the flood's 401/429 counts and the shopper's browse and add-to-cart p50/p99, quiet and during the flood.
# Usage: bench/login-flood.sh [attempts] [clients]     (needs the fat jar: ./mvnw -q package -DskipTests)
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=$PWD/launcher/target/product-store.jar
[ -f "$JAR" ] || { echo "build first: ./mvnw -q package -DskipTests"; exit 1; }
ATTEMPTS=${1:-2000}; CLIENTS=${2:-50}
WORK=$(mktemp -d)
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

# dev profile (demo admin for the fixture), its own Cassandra port and data; the bench plays the gateway, so
# 127.0.0.1 is a trusted proxy and X-Real-IP names the (simulated) client
(cd "$WORK" && exec env -u CASSANDRA_HOST HTTP_PORT=18480 CASSANDRA_PORT=9542 SAMPLE_DATA=false \
   TRUSTED_PROXIES=127.0.0.1 java -jar "$JAR" > store.log 2>&1) & PID=$!
for _ in $(seq 1 360); do curl -sf http://127.0.0.1:18480/health/ready >/dev/null && break; sleep 0.5; done
curl -sf http://127.0.0.1:18480/health/ready >/dev/null || { tail -40 "$WORK/store.log"; exit 1; }
python3 bench/login_flood.py --base http://127.0.0.1:18480 --attempts "$ATTEMPTS" --clients "$CLIENTS" \
  --json "$WORK/flood.jsonl"
echo "results: $WORK/flood.jsonl"
