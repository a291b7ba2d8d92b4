#!/usr/bin/env bash
# What tracing costs on the hot path: bench/catalog-bench.sh (a shopper's category page and /hello, wrk) five times —
# no exporter configured (no tracer at all); every request traced (100 % sampling) into a receiver that accepts and
# drops the spans (nginx answering 202: the store pays for recording, encoding and sending every span, the receiver
# for next to nothing), once with OTLP (protobuf over HTTP, the format compose sends to Jaeger) and once with
# Zipkin's JSON (gzipped, the Zipkin exporter's default); 10 % sampled, OTLP, into the same receiver; then every
# request traced into a real Zipkin server on the same two cores. For each: the RPS against the untraced run, and
# the store JVM's own CPU time per page (what tracing costs the store; Zipkin's own work shows in the RPS only).
#
#   bench/tracing-bench.sh
#
# Fetches Zipkin's server jar from Maven Central once (./mvnw dependency:copy, into data/), runs it on ZIPKIN_PORT
# (19411) for the last run, and stops it; the dropping receiver listens on SINK_PORT (19412). Other knobs are
# catalog-bench.sh's (THREADS, CONNECTIONS, DURATION, ...; WARMUP is 30s here: the traced path has more to compile).
# Expects launcher/target/product-store.jar (./mvnw -q package -DskipTests) and nginx. Targets: off costs < 2 %,
# on < 15 %.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ZIPKIN_PORT=${ZIPKIN_PORT:-19411}
SINK_PORT=${SINK_PORT:-19412}
export WARMUP=${WARMUP:-30s}
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
  if [[ -f $OUT/sink/nginx.pid ]]; then kill "$(cat "$OUT/sink/nginx.pid")" 2>/dev/null || true; fi
  rm -rf "$OUT"
}
trap cleanup EXIT

rps() { awk '/^catalog / {print $2}' "$1"; }
cpu() { awk '/^catalog / {print $5}' "$1"; } # the store JVM's CPU µs per answer (not Zipkin's, not wrk's)

echo "== 1/5 tracing off (no OTEL_TRACES_EXPORTER)"
env -u OTEL_TRACES_EXPORTER "$ROOT/bench/catalog-bench.sh" | tee "$OUT/off.txt"

echo "== a receiver that drops the spans: nginx on :$SINK_PORT"
mkdir -p "$OUT/sink"
cat >"$OUT/sink/nginx.conf" <<CONF
worker_processes 1;
pid $OUT/sink/nginx.pid;
error_log $OUT/sink/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $OUT/sink/body;
  server { listen 127.0.0.1:$SINK_PORT; location / { client_max_body_size 64m; return 202; } }
}
CONF
nginx -c "$OUT/sink/nginx.conf" -p "$OUT/sink" -e "$OUT/sink/error.log"
export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$SINK_PORT"
export OTEL_EXPORTER_ZIPKIN_ENDPOINT="http://127.0.0.1:$SINK_PORT/api/v2/spans"
echo "== 2/5 tracing on, every request sampled, OTLP into the dropping receiver"
OTEL_TRACES_EXPORTER=otlp OTEL_TRACES_SAMPLER=always_on "$ROOT/bench/catalog-bench.sh" | tee "$OUT/on.txt"
echo "== 3/5 tracing on, every request sampled, Zipkin JSON into the dropping receiver"
OTEL_TRACES_EXPORTER=zipkin OTEL_TRACES_SAMPLER=always_on "$ROOT/bench/catalog-bench.sh" | tee "$OUT/json.txt"
echo "== 4/5 tracing on, 10 % sampled, OTLP into the dropping receiver"
OTEL_TRACES_EXPORTER=otlp OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1 \
  "$ROOT/bench/catalog-bench.sh" | tee "$OUT/ratio.txt"
kill "$(cat "$OUT/sink/nginx.pid")"; rm -f "$OUT/sink/nginx.pid"

if curl -sf "http://127.0.0.1:$ZIPKIN_PORT/health" >/dev/null; then
  echo "something already answers on :$ZIPKIN_PORT (a Zipkin left running?): set ZIPKIN_PORT" >&2
  exit 1
fi
echo "== Zipkin on :$ZIPKIN_PORT"
QUERY_PORT=$ZIPKIN_PORT java -Xmx512m -jar "$ZIPKIN_JAR" >"$OUT/zipkin.log" 2>&1 &
ZIPKIN_PID=$!
until curl -sf "http://127.0.0.1:$ZIPKIN_PORT/health" >/dev/null; do sleep 1; done
echo "== 5/5 tracing on, every request sampled, into Zipkin on the same cores"
OTEL_TRACES_EXPORTER=zipkin OTEL_EXPORTER_ZIPKIN_ENDPOINT="http://127.0.0.1:$ZIPKIN_PORT/api/v2/spans" \
  OTEL_TRACES_SAMPLER=always_on "$ROOT/bench/catalog-bench.sh" | tee "$OUT/zipkin.txt"

echo
printf '%-48s %10s %8s %14s %8s\n' "category page" RPS cost "store CPU µs" cost
for run in off:"tracing off" on:"every request, OTLP, dropping receiver" \
    json:"every request, Zipkin JSON, dropping receiver" ratio:"10 % sampled, OTLP, dropping receiver" \
    zipkin:"every request, Zipkin on the same cores"; do
  file=$OUT/${run%%:*}.txt
  awk -v name="${run#*:}" -v off_rps="$(rps "$OUT/off.txt")" -v off_cpu="$(cpu "$OUT/off.txt")" \
      -v r="$(rps "$file")" -v c="$(cpu "$file")" 'BEGIN {
    printf "%-48s %10.0f %7.1f%% %14.1f %7.1f%%\n", name, r, 100 * (off_rps - r) / off_rps, c,
      100 * (c - off_cpu) / off_cpu }'
done
echo "(cost: RPS lost, and store CPU per page added, against tracing off; target for every request: < 15 %)"
