#!/usr/bin/env bash
# What tracing costs on the hot path: bench/catalog-bench.sh (a shopper's category page and /hello, wrk) three times —
# no exporter configured (no tracer at all), then every request traced (100 % sampling) into a real Zipkin server,
# then 10 % sampled — and the RPS of each against the untraced run.
#
#   bench/tracing-bench.sh
#
# Fetches Zipkin's server jar from Maven Central once (./mvnw dependency:copy, into data/), runs it on ZIPKIN_PORT
# (19411) for the traced runs, and stops it. Other knobs are catalog-bench.sh's (THREADS, CONNECTIONS, DURATION, ...).
# Expects launcher/target/product-store.jar (./mvnw -q package -DskipTests). Targets: off costs < 2 %, on < 15 %.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ZIPKIN_PORT=${ZIPKIN_PORT:-19411}
ZIPKIN_JAR="$ROOT/data/zipkin-server-3.5.1-exec.jar"
if [[ ! -f $ZIPKIN_JAR ]]; then
  "$ROOT/mvnw" -q dependency:copy -Dartifact=io.zipkin:zipkin-server:3.5.1:jar:exec -DoutputDirectory="$ROOT/data"
fi
OUT=$(mktemp -d -t tracing-bench.XXXXXX)
ZIPKIN_PID=""
cleanup() {
  if [[ -n $ZIPKIN_PID ]]; then # Zipkin may ignore SIGTERM for a long while: then SIGKILL
    kill "$ZIPKIN_PID" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$ZIPKIN_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$ZIPKIN_PID" 2>/dev/null || true
    wait "$ZIPKIN_PID" 2>/dev/null || true
  fi
  rm -rf "$OUT"
}
trap cleanup EXIT

rps() { awk '/^catalog / {print $2}' "$1"; }

echo "== 1/3 tracing off (no OTEL_TRACES_EXPORTER)"
env -u OTEL_TRACES_EXPORTER "$ROOT/bench/catalog-bench.sh" | tee "$OUT/off.txt"

if curl -sf "http://127.0.0.1:$ZIPKIN_PORT/health" >/dev/null; then
  echo "something already answers on :$ZIPKIN_PORT (a Zipkin left running?): set ZIPKIN_PORT" >&2
  exit 1
fi
echo "== Zipkin on :$ZIPKIN_PORT"
QUERY_PORT=$ZIPKIN_PORT java -Xmx512m -jar "$ZIPKIN_JAR" >"$OUT/zipkin.log" 2>&1 &
ZIPKIN_PID=$!
until curl -sf "http://127.0.0.1:$ZIPKIN_PORT/health" >/dev/null; do sleep 1; done

export OTEL_TRACES_EXPORTER=zipkin OTEL_EXPORTER_ZIPKIN_ENDPOINT="http://127.0.0.1:$ZIPKIN_PORT/api/v2/spans"
echo "== 2/3 tracing on, every request sampled"
OTEL_TRACES_SAMPLER=always_on "$ROOT/bench/catalog-bench.sh" | tee "$OUT/on.txt"
echo "== 3/3 tracing on, 10 % sampled"
OTEL_TRACES_SAMPLER=traceidratio OTEL_TRACES_SAMPLER_ARG=0.1 "$ROOT/bench/catalog-bench.sh" | tee "$OUT/ratio.txt"

off=$(rps "$OUT/off.txt") on=$(rps "$OUT/on.txt") ratio=$(rps "$OUT/ratio.txt")
echo
echo "== category page RPS: off $off, on (100 %) $on, on (10 %) $ratio"
awk -v off="$off" -v on="$on" -v r="$ratio" 'BEGIN {
  printf "cost of tracing every request: %.1f %% (target < 15 %%)\n", 100 * (off - on) / off
  printf "cost of tracing 10 %% of requests: %.1f %%\n", 100 * (off - r) / off }'
