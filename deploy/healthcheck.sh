#!/usr/bin/env bash
# Container health check that needs neither curl nor wget: one HTTP GET over bash's /dev/tcp, healthy on a 200.
# Used by the product image (HEALTHCHECK) and by the gateway container (compose mounts it, the gateway image
# copies it); any Debian or Ubuntu based image has bash.
#
#   healthcheck.sh [PORT [PATH]]         PATH defaults to /health/ready
#
# Without PORT it asks the first port that accepts a connection among HTTP_PORT, 8080 (all-in-one) and
# 8000-8003 (one service per container): a container runs one mode, so one of them listens. The host is
# HTTP_HOST when that names one address, else 127.0.0.1.
set -u

path=${2:-/health/ready}
host=${HTTP_HOST:-127.0.0.1}
case $host in 0.0.0.0 | :: | '[::]') host=127.0.0.1 ;; esac
if [[ -n ${1:-} ]]; then
    ports=("$1")
else
    ports=()
    [[ -n ${HTTP_PORT:-} ]] && ports+=("$HTTP_PORT")
    ports+=(8080 8000 8001 8002 8003)
fi
[[ $path =~ ^/[A-Za-z0-9._/-]*$ ]] || { echo "healthcheck: bad path '$path'" >&2; exit 2; }

for port in "${ports[@]}"; do
    [[ $port =~ ^[0-9]{1,5}$ ]] || { echo "healthcheck: bad port '$port'" >&2; exit 2; }
    # nothing listens there: try the next candidate
    { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || continue
    printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
    status=
    IFS=' ' read -r -t 5 _ status _ <&3
    exec 3<&-
    if [[ $status == 200 ]]; then
        echo "ok: GET $host:$port$path -> 200"
        exit 0
    fi
    echo "unhealthy: GET $host:$port$path -> ${status:-no answer}"
    exit 1
done
echo "unhealthy: nothing listens on ${ports[*]}"
exit 1
