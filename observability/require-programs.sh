# shellcheck shell=bash
# Sourced by check.sh and live-check.sh:  require_programs "DEBIAN PACKAGES" PROGRAM...
# Returns when every program is installed. Otherwise the calling script ends: with CI=true it fails (exit 1),
# elsewhere it prints one SKIP line per missing program and succeeds (exit 0).
require_programs() {
  local packages=$1 program
  shift
  local missing=()
  for program in "$@"; do
    command -v "$program" >/dev/null 2>&1 || missing+=("$program")
  done
  ((${#missing[@]} == 0)) && return 0
  if [[ ${CI:-} == true ]]; then
    echo "FAIL: not installed: ${missing[*]} (apt-get install $packages)" >&2
    exit 1
  fi
  for program in "${missing[@]}"; do
    echo "SKIP: $program not installed"
  done
  exit 0
}
