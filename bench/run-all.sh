#!/usr/bin/env bash
# Every benchmark in one go, one after the other (they share the machine's cores, so never two at once):
# catalog page vs hello (wrk), a product view (wrk), where a cached page's CPU goes (async-profiler),
# add-to-cart/checkout in both topologies, the login flood, the gateway's cost, and the 200-user Locust mix through
# nginx with its plots. Outputs go to target/bench/ (one log per benchmark, plus the Locust CSVs and PNGs and the
# profile's stacks); docs/performance.md quotes them.
# Usage: bench/run-all.sh        (needs the fat jar: ./mvnw -q package -DskipTests; nginx, wrk, python3-locust,
#                                 python3-matplotlib from Debian; about 22 minutes on 2 cores)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/target/bench
mkdir -p "$OUT"
run() { # run NAME COMMAND...
  local name=$1; shift
  echo "== $name: $*"
  if "$@" >"$OUT/$name.log" 2>&1; then echo "   ok ($OUT/$name.log)"; else echo "   FAILED, see $OUT/$name.log"; fi
}
run catalog "$ROOT/bench/catalog-bench.sh"
run view "$ROOT/bench/view-bench.sh"
run page-profile env OUT="$OUT/page-profile.collapsed" "$ROOT/bench/page-profile.sh"
run flow "$ROOT/bench/flow-bench.sh"
run login-flood "$ROOT/bench/login-flood.sh"
run gateway "$ROOT/bench/gateway-bench.sh"
run locust-mix env OUT="$OUT/locust-mix" "$ROOT/bench/locust-mix.sh" 200 5m
