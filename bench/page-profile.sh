#!/usr/bin/env bash
# Where a cached category page's CPU goes: a CPU profile of the store under wrk, broken down by thread and, on the
# event loops, by part (the socket's system calls, netty and Vert.x HTTP, the store's pieces, Vert.x Web).
#
#   bench/page-profile.sh                   the sample catalog's Books, a shopper's token
#   URL_PATH='/api/products/?limit=20' bench/page-profile.sh
#
# Builds nothing: expects launcher/target/product-store.jar (./mvnw -q package -DskipTests), or JAR. Starts it
# all-in-one in a fresh temp directory (one JVM: the heap is given, so there is no sized relaunch) with its own
# embedded Cassandra, warms the page up with wrk, then records DURATION of wrk with async-profiler (Maven Central's
# tools.profiler:async-profiler, loaded into the running store with jcmd; itimer, so no perf_event access is
# needed) and prints bench/profile_breakdown.py's table. The collapsed stacks stay in OUT (a flame graph's input).
#
# Knobs: HTTP_PORT (18280), CASSANDRA_PORT (9342), THREADS (2), CONNECTIONS (64), WARMUP (20s), DURATION (15s),
# OUT (profile.collapsed in the current directory), JAR, KEEP=1 keeps the temp directory.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
JAR=${JAR:-"$ROOT/launcher/target/product-store.jar"}
HTTP_PORT=${HTTP_PORT:-18280}
CASSANDRA_PORT=${CASSANDRA_PORT:-9342}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
WARMUP=${WARMUP:-20s}
DURATION=${DURATION:-15s}
URL_PATH=${URL_PATH:-"/api/products/?category=Books&limit=20"}
OUT=${OUT:-$PWD/profile.collapsed}
PROFILER=tools.profiler:async-profiler:4.1:jar:linux-x64

case "${1:-}" in
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
  "") ;;
  *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
esac
require_tools wrk curl python3 java jcmd unzip
require_jar
require_free_ports "$HTTP_PORT" "$CASSANDRA_PORT"

WORK=$(mktemp -d -t page-profile.XXXXXX)
BASE="http://127.0.0.1:$HTTP_PORT"
STORE_PID=""
cleanup() {
  [[ -n "$STORE_PID" ]] && kill -TERM "$STORE_PID" 2>/dev/null && wait "$STORE_PID" 2>/dev/null
  if [[ "${KEEP:-0}" == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== async-profiler ($PROFILER) from Maven Central"
"$ROOT/mvnw" -q dependency:copy -Dartifact="$PROFILER" -DoutputDirectory="$WORK" >/dev/null
unzip -q -o "$WORK"/async-profiler-*.jar -d "$WORK/profiler"
AGENT=$(find "$WORK/profiler" -name libasyncProfiler.so | head -1)
[[ -n "$AGENT" ]] || { echo "no libasyncProfiler.so in $PROFILER" >&2; exit 1; }

echo "== starting the store in $WORK"
(cd "$WORK" && exec env -u CASSANDRA_HOST HTTP_PORT="$HTTP_PORT" CASSANDRA_PORT="$CASSANDRA_PORT" \
  java -Xmx256m -jar "$JAR" all >"$WORK/store.log" 2>&1) &
STORE_PID=$!
for _ in $(seq 1 180); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health/ready" || true)" == 200 ]] && break
  kill -0 "$STORE_PID" 2>/dev/null || { tail -n 40 "$WORK/store.log" >&2; exit 1; }
  sleep 1
done
TOKEN=$(login swagger_user password123)
page=(-H "Authorization: Bearer $TOKEN" "$BASE$URL_PATH")
if [[ "$(curl -s -o /dev/null -w '%{http_code}' "${page[@]}")" != 200 ]]; then
  echo "$URL_PATH does not answer 200" >&2
  exit 1
fi

echo "== warming up for $WARMUP, then profiling $DURATION"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${page[@]}" >/dev/null
# jcmd splits its arguments at commas unless the agent's options are quoted once more
jcmd "$STORE_PID" JVMTI.agent_load "$AGENT" "\"start,event=itimer,interval=1ms,threads\"" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "${page[@]}" | grep -E "Requests/sec|Latency "
jcmd "$STORE_PID" JVMTI.agent_load "$AGENT" "\"stop,file=$OUT,collapsed\"" >/dev/null
[[ -s "$OUT" ]] || { echo "the profiler wrote nothing to $OUT (see $WORK/store.log)" >&2; exit 1; }
python3 "$ROOT/bench/profile_breakdown.py" "$OUT"
echo "stacks in $OUT"
