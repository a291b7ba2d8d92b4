# Sourced by the benchmarks that need the split topology behind nginx: starts nginx/run-split.sh in the background
# (with WORK, GATEWAY_PORT, PORT_BASE, CASSANDRA_PORT from the caller), waits until it is up, and stops it on exit.
# Sets SPLIT to its pid; its output is in $1.
# shellcheck shell=bash
start_split() { # start_split LOG
  "$ROOT/nginx/run-split.sh" >"$1" 2>&1 & SPLIT=$!
  trap 'cleanup_split' EXIT
  until grep -q "Ctrl-C stops everything" "$1"; do
    kill -0 "$SPLIT" 2>/dev/null || { cat "$1"; exit 1; }
    sleep 1
  done
}
cleanup_split() {
  local status=$? # the script's own, not that of stopping the topology (which exits 130 on SIGTERM)
  if [[ -n ${BARE:-} ]]; then kill -QUIT "$BARE" 2>/dev/null || true; fi
  if [[ -n ${SPLIT:-} ]] && kill -TERM "$SPLIT" 2>/dev/null; then wait "$SPLIT" 2>/dev/null || true; fi
  exit "$status"
}
