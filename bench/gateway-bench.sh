#!/usr/bin/env bash
# What the gateway costs: the category page straight from a catalog replica, the same page through nginx, and
# nginx's own `return 200` (same nginx, same machine) — wrk, in one run, against nginx/run-split.sh's topology.
# Usage: bench/gateway-bench.sh [duration] [connections]    (needs the fat jar, nginx and wrk)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${1:-15s}; CONNECTIONS=${2:-64}; THREADS=2
WORK=$(mktemp -d)
GATEWAY_PORT=18700; PORT_BASE=18710
export WORK GATEWAY_PORT PORT_BASE CASSANDRA_PORT=9742
SPLIT=""; BARE=""
# shellcheck source=bench/split-topology.sh
. "$ROOT/bench/split-topology.sh"
start_split "$WORK/run-split.log"

# nginx answering by itself, with the gateway's worker settings: the ceiling any proxied route can reach
mkdir -p "$WORK/bare/logs"
cat >"$WORK/bare/nginx.conf" <<EOF
worker_processes auto;
pid $WORK/bare/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  server { listen 127.0.0.1:18799; location / { return 200 "hello"; } }
}
EOF
nginx -e "$WORK/bare/logs/error.log" -c "$WORK/bare/nginx.conf" -g "daemon off;" & BARE=$!

TOKEN=$(curl -sf -X POST "http://127.0.0.1:$GATEWAY_PORT/user-api/token" -d 'username=swagger_user&password=password123' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
PAGE="products/?category=Books&limit=20"
declare -A URL=([direct]="http://127.0.0.1:$PORT_BASE/$PAGE" [gateway]="http://127.0.0.1:$GATEWAY_PORT/api/$PAGE"
                [nginx-return-200]="http://127.0.0.1:18799/")
URL[gateway-1-replica]=${URL[gateway]}
# both replicas' JIT warmed first: a cold second replica would make the gateway look several times slower
for replica in 0 10; do
  wrk -t$THREADS -c"$CONNECTIONS" -d20s -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$((PORT_BASE + replica))/$PAGE" >/dev/null
done
printf '%-18s %10s %9s %9s\n' route RPS "p50 ms" "p99 ms"
declare -A RPS
for name in direct gateway gateway-1-replica nginx-return-200; do
  if [[ $name == gateway-1-replica ]]; then
    # the same backend as "direct": the second catalog replica stopped, so nginx has one upstream left and the
    # difference from "direct" is the gateway alone, not two JVMs sharing the cores
    kill -TERM "$(cat "$WORK/pids/catalog-2.pid")"
    while kill -0 "$(cat "$WORK/pids/catalog-2.pid")" 2>/dev/null; do sleep 0.2; done
  fi
  wrk -t$THREADS -c"$CONNECTIONS" -d5s -H "Authorization: Bearer $TOKEN" "${URL[$name]}" >/dev/null
  out=$(wrk -t$THREADS -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" "${URL[$name]}")
  if grep -q "Non-2xx" <<<"$out"; then echo "$name: non-2xx answers" >&2; echo "$out" >&2; exit 1; fi
  RPS[$name]=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  printf '%-18s %10s %9s %9s\n' "$name" "${RPS[$name]}" "$(awk '$1 == "50%" {print $2}' <<<"$out")" \
    "$(awk '$1 == "99%" {print $2}' <<<"$out")"
done
awk -v d="${RPS[direct]}" -v g="${RPS[gateway-1-replica]}" -v g2="${RPS[gateway]}" 'BEGIN {
  printf "gateway costs %.1f %% of direct RPS, same single replica behind it (target <= 30 %%)\n", 100 * (d - g) / d
  printf "with two replicas behind it on the same %d cores: %.1f %%\n", '"$(nproc)"', 100 * (d - g2) / d }'
