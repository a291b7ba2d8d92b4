#!/usr/bin/env bash
# Helpers the benchmarks share (sourced, not run): bench/catalog-bench.sh, bench/catalog-size-bench.sh,
# bench/page-profile.sh, bench/startup-bench.sh, bench/view-bench.sh.

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

require_tools() { # require_tools <tool>...: each on the PATH, or exit 1 naming it
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$tool is required" >&2; exit 1; }
  done
}

require_jar() { # the fat jar at $JAR, or exit 1 saying how to build it
  if [[ ! -f "$JAR" ]]; then
    echo "No fat jar at $JAR. Build it first: ./mvnw -q package -DskipTests" >&2
    exit 1
  fi
}

require_free_ports() { # require_free_ports <port>...: none answering on 127.0.0.1, or exit 1
  local port
  for port in "$@"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "Port $port is already in use; set HTTP_PORT / CASSANDRA_PORT to free ones" >&2
      exit 1
    fi
  done
}
