#!/usr/bin/env bash
# Helpers the wrk benchmarks share (sourced, not run): bench/catalog-bench.sh, bench/catalog-size-bench.sh.

login() { # login <username> <password>: a token from the store's own /token at $BASE (the dev profile's demo users)
  curl -sf -X POST "$BASE/user-api/token" -d "username=$1&password=$2" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

to_ms() { # wrk's 635.91us | 1.02ms | 1.20s → milliseconds
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else printf "%s", v }'
}
