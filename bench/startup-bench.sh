#!/usr/bin/env bash
# Start-up, measured as a newcomer meets it: the README's `java -jar launcher/target/product-store.jar` in a fresh
# directory (dev profile, its own embedded Cassandra), from launch to /health/ready answering 200.
#
#   bench/startup-bench.sh [RESTARTS]    one first start on an empty data directory, then RESTARTS restarts
#                                        (default 5) on the same data, each after a clean stop (SIGTERM)
#
# Prints each run's seconds, the store's own "Started in …" line (its phases) and the restarts' median. The class
# archives a first run records at exit (the node's in the data directory, the store JVM's beside the jar) make the
# restarts faster: the first run of a newly built jar pays for the store's. Builds nothing: expects
# launcher/target/product-store.jar (./mvnw -q package -DskipTests).
#
# Knobs (environment): HTTP_PORT (18380), CASSANDRA_PORT (9442), KEEP=1 keeps the temp directory (data, logs), JAR
# (another build of the fat jar, for an A/B run).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
JAR=${JAR:-"$ROOT/launcher/target/product-store.jar"}
HTTP_PORT=${HTTP_PORT:-18380}
CASSANDRA_PORT=${CASSANDRA_PORT:-9442}
RESTARTS=${1:-5}

case "$RESTARTS" in
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
  *[!0-9]*|'') echo "RESTARTS must be a number (try --help)" >&2; exit 2 ;;
esac
require_tools curl java python3
require_jar
require_free_ports "$HTTP_PORT" "$CASSANDRA_PORT"

WORK=$(mktemp -d -t startup-bench.XXXXXX)
PID=""
stop_store() {
  [[ -n "$PID" ]] || return 0
  if kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID"
    for _ in $(seq 1 240); do kill -0 "$PID" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$PID" 2>/dev/null || true
  fi
  wait "$PID" 2>/dev/null || true
  PID=""
}
cleanup() {
  stop_store
  if [[ "${KEEP:-0}" == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }

# run LABEL: starts the store, prints the seconds until ready, stops it
run() {
  local label=$1 log="$WORK/store-$1.log" began ready
  began=$(now_ms)
  (
    cd "$WORK"
    exec env -u CASSANDRA_HOST -u JAVA_TOOL_OPTIONS -u JDK_JAVA_OPTIONS HTTP_PORT="$HTTP_PORT" \
      CASSANDRA_PORT="$CASSANDRA_PORT" java -jar "$JAR" >"$log" 2>&1
  ) &
  PID=$!
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/health/ready" || true)" == 200 ]]
  do
    if ! kill -0 "$PID" 2>/dev/null; then
      echo "the store exited while starting; last log lines:" >&2
      tail -n 30 "$log" >&2
      exit 1
    fi
    if (( $(now_ms) - began > 180000 )); then
      echo "not ready within 180 s; last log lines:" >&2
      tail -n 30 "$log" >&2
      exit 1
    fi
    sleep 0.05
  done
  ready=$(( $(now_ms) - began ))
  stop_store
  printf '%-10s %6.2f s   %s\n' "$label" "$(awk -v ms="$ready" 'BEGIN { print ms / 1000 }')" \
    "$(grep -o 'Started in .*' "$log" | head -1)"
  echo "$ready" >>"$WORK/$2.ms"
}

echo "== $JAR in $WORK (HTTP $HTTP_PORT, embedded Cassandra on $CASSANDRA_PORT)"
run first first
for i in $(seq 1 "$RESTARTS"); do
  run "restart-$i" restarts
done
if (( RESTARTS > 0 )); then
  sort -n "$WORK/restarts.ms" | awk '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "restarts: median %.2f s, min %.2f s, max %.2f s (%d runs)\n", m / 1000, v[1] / 1000, v[NR] / 1000, NR }'
fi
