#!/usr/bin/env bash
# Checks the dashboards and rules against a RUNNING system: starts a real
# Prometheus (scrape and rule evaluation every 1s, the rules of
# prometheus/rules/*.yml) on a free loopback port with a temporary data dir,
# scrapes the targets given below with the same `service` labels as
# prometheus/prometheus.yml, waits WARMUP_SECONDS, then
#   * check_dashboards.py --require-data: every panel query of the chosen
#     dashboards returns at least one series;
#   * every alert and recording rule expression is evaluated through
#     /api/v1/query (it must parse and evaluate; alerts need no data) and no
#     rule reports an evaluation error.
# On failure it lists what returned no data and each target's health.
#
# Environment (host:port lists are space-separated):
#   CATALOG_TARGETS, CART_TARGETS, ORDER_TARGETS, USER_TARGETS
#                     the services' public ports (Prometheus text at /metrics);
#                     in all-in-one mode give the one port for all four
#   NGINX_STATUS_URL  optional nginx stub_status URL: prometheus-nginx-exporter
#                     is started on a free loopback port and scraped (service="nginx")
#   CASSANDRA_TARGETS optional JMX exporter endpoint(s) (service="cassandra")
#   EXTRA_SCRAPE      optional "service=NAME host:port [/path]" jobs separated by ';'
#   DASHBOARDS        dashboard file names to require data from, e.g.
#                     "catalog.json cart.json" (default: all of them)
#   WARMUP_SECONDS    how long Prometheus scrapes before the checks (20)
#
#   CATALOG_TARGETS=127.0.0.1:8080 CART_TARGETS=127.0.0.1:8080 ORDER_TARGETS=127.0.0.1:8080 \
#     USER_TARGETS=127.0.0.1:8080 DASHBOARDS="catalog cart order user" bash observability/live-check.sh
#
# Needs the Debian packages prometheus (prometheus, promtool) and python3, and
# prometheus-nginx-exporter when NGINX_STATUS_URL is set. With CI=true a
# missing program fails the check; otherwise it is skipped (exit 0).
# Exit status: 0 all checks passed, 1 a check failed, 2 bad arguments.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

usage() { echo "live-check.sh: $*" >&2; echo "(see the comment at the top of $here/live-check.sh)" >&2; exit 2; }
step() { printf '\n== %s\n' "$*"; }

warmup=${WARMUP_SECONDS:-20}
[[ $warmup =~ ^[0-9]+$ ]] || usage "WARMUP_SECONDS must be a whole number of seconds, not '$warmup'"

# --- what to scrape: job name, service label, path, targets
jobs=()     # "job|service|path|target target ..."
used_jobs=" "
add_job() { # service path targets...
  local service=$1 path=$2 job=$1 n=2 target
  shift 2
  (($# > 0)) || return 0
  [[ $service =~ ^[A-Za-z_][A-Za-z0-9_-]*$ ]] || usage "bad service name '$service'"
  [[ $path == /* && $path != *[[:space:]\"\\]* ]] || usage "bad metrics path '$path' for $service"
  for target in "$@"; do
    # host:port, [v6]:port; no scheme, no path
    [[ $target =~ ^([A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$ ]] \
      || usage "bad target '$target' for $service (want host:port)"
  done
  while [[ $used_jobs == *" $job "* ]]; do job="$service-$n"; n=$((n + 1)); done
  used_jobs+="$job "
  jobs+=("$job|$service|$path|$*")
}
read -ra list <<< "${CATALOG_TARGETS:-}"; add_job catalog /metrics "${list[@]}"
read -ra list <<< "${CART_TARGETS:-}"; add_job cart /metrics "${list[@]}"
read -ra list <<< "${ORDER_TARGETS:-}"; add_job order /metrics "${list[@]}"
read -ra list <<< "${USER_TARGETS:-}"; add_job user /metrics "${list[@]}"
read -ra list <<< "${CASSANDRA_TARGETS:-}"; add_job cassandra /metrics "${list[@]}"
IFS=';' read -ra extras <<< "${EXTRA_SCRAPE:-}"
for extra in "${extras[@]}"; do
  read -ra words <<< "$extra"
  ((${#words[@]} > 0)) || continue
  if ((${#words[@]} < 2 || ${#words[@]} > 3)) || [[ ${words[0]} != service=* ]]; then
    usage "EXTRA_SCRAPE entry '$extra' is not 'service=NAME host:port [/path]'"
  fi
  add_job "${words[0]#service=}" "${words[2]:-/metrics}" "${words[1]}"
done
((${#jobs[@]} > 0)) || [[ -n ${NGINX_STATUS_URL:-} ]] \
  || usage "nothing to scrape: set CATALOG_TARGETS, CART_TARGETS, ORDER_TARGETS and/or USER_TARGETS"

dashboard_args=()
read -ra list <<< "${DASHBOARDS:-}"
for name in "${list[@]}"; do
  [[ -f grafana/dashboards/${name%.json}.json ]] || usage "DASHBOARDS: no grafana/dashboards/${name%.json}.json"
  dashboard_args+=(--dashboard "$name")
done

# --- programs
programs=(prometheus promtool python3)
[[ -n ${NGINX_STATUS_URL:-} ]] && programs+=(prometheus-nginx-exporter)
# shellcheck source=require-programs.sh source-path=SCRIPTDIR
. "$here/require-programs.sh"
require_programs "prometheus prometheus-nginx-exporter python3" "${programs[@]}"

tmp=$(mktemp -d)
prometheus_pid=
exporter_pid=
sleep_pid=
stop() { # pid
  if [[ -n $1 ]] && kill "$1" 2>/dev/null; then
    wait "$1" 2>/dev/null || true
  fi
}
cleanup() {
  stop "$prometheus_pid"
  stop "$exporter_pid"
  stop "$sleep_pid"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# GET a URL; the body on stdout, non-zero when it does not answer 2xx.
fetch() {
  python3 - "$1" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=3) as response:
        sys.stdout.write(response.read().decode("utf-8", "replace"))
except Exception as error:  # noqa: BLE001 - any failure means "not (yet) there"
    sys.stderr.write("%s: %s\n" % (sys.argv[1], error))
    sys.exit(1)
PY
}

# --- nginx exporter
if [[ -n ${NGINX_STATUS_URL:-} ]]; then
  step "prometheus-nginx-exporter for $NGINX_STATUS_URL"
  exporter_port=$(free_port)
  # Single-dash flags: the Debian exporter (0.11) uses Go's flag package.
  prometheus-nginx-exporter -nginx.scrape-uri="$NGINX_STATUS_URL" \
    -web.listen-address="127.0.0.1:$exporter_port" -nginx.retries=5 -nginx.retry-interval=1s \
    > "$tmp/nginx-exporter.log" 2>&1 &
  exporter_pid=$!
  for ((i = 0; ; i++)); do
    if ! kill -0 "$exporter_pid" 2>/dev/null; then
      echo "FAIL: prometheus-nginx-exporter exited (is $NGINX_STATUS_URL a stub_status page?):" >&2
      cat "$tmp/nginx-exporter.log" >&2
      exit 1
    fi
    fetch "http://127.0.0.1:$exporter_port/metrics" 2>/dev/null | grep -q '^nginx_up 1' && break
    if ((i >= 100)); then
      echo "FAIL: prometheus-nginx-exporter does not report nginx_up 1 after 20s:" >&2
      fetch "http://127.0.0.1:$exporter_port/metrics" 2>&1 | grep '^nginx_up' >&2 || true
      cat "$tmp/nginx-exporter.log" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "exporter on 127.0.0.1:$exporter_port"
  add_job nginx /metrics "127.0.0.1:$exporter_port"
fi

# --- Prometheus configuration
port=$(free_port)
add_job prometheus /metrics "127.0.0.1:$port"
{
  cat <<EOF
# Generated by observability/live-check.sh. As prometheus/prometheus.yml, but
# scraping and evaluating every second, and with \`instance\` left as
# host:port (several replicas may share a host here).
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $here/prometheus/rules/*.yml
scrape_configs:
EOF
  for job in "${jobs[@]}"; do
    IFS='|' read -r name service path targets <<< "$job"
    read -ra list <<< "$targets"
    printf '  - job_name: "%s"\n    metrics_path: "%s"\n' "$name" "$path"
    # Cassandra's JMX exporter reads thousands of MBeans (one set per table): on a busy 2-core machine a scrape
    # can take over a second, so it gets longer than the others (prometheus.yml scrapes every 10 s anyway)
    [[ $service == cassandra ]] && printf '    scrape_interval: 5s\n    scrape_timeout: 5s\n'
    printf '    static_configs:\n      - targets: ['
    sep=
    for target in "${list[@]}"; do printf '%s"%s"' "$sep" "$target"; sep=", "; done
    printf ']\n        labels: {service: "%s"}\n' "$service"
  done
} > "$tmp/prometheus.yml"

step "Prometheus on 127.0.0.1:$port"
for job in "${jobs[@]}"; do
  IFS='|' read -r name service path targets <<< "$job"
  printf '  service=%-10s %s (%s)\n' "$service" "$targets" "$path"
done
promtool check config "$tmp/prometheus.yml" > "$tmp/promtool.log" 2>&1 || {
  echo "FAIL: generated configuration rejected:" >&2
  cat "$tmp/promtool.log" "$tmp/prometheus.yml" >&2
  exit 1
}
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
  --web.listen-address="127.0.0.1:$port" --log.level=warn > "$tmp/prometheus.log" 2>&1 &
prometheus_pid=$!
url="http://127.0.0.1:$port"
for ((i = 0; ; i++)); do
  if ! kill -0 "$prometheus_pid" 2>/dev/null; then
    echo "FAIL: prometheus exited:" >&2
    cat "$tmp/prometheus.log" >&2
    exit 1
  fi
  fetch "$url/-/ready" >/dev/null 2>&1 && break
  if ((i >= 300)); then
    echo "FAIL: prometheus not ready after 60s:" >&2
    cat "$tmp/prometheus.log" >&2
    exit 1
  fi
  sleep 0.2
done

# One line per target: service, address, health, last error.
targets_report() { # all | bad
  fetch "$url/api/v1/targets?state=active" | python3 -c '
import json, sys
only_bad = sys.argv[1] == "bad"
targets = json.load(sys.stdin)["data"]["activeTargets"]
for t in sorted(targets, key=lambda t: (t["labels"].get("service", ""), t["scrapeUrl"])):
    if only_bad and t["health"] == "up":
        continue
    line = "  %-8s service=%-10s %s" % (t["health"], t["labels"].get("service"), t["scrapeUrl"])
    if t.get("lastError"):
        line += "  lastError: " + t["lastError"]
    print(line)
' "$1"
}

# Prometheus hands new targets to its scrape loops after up to 5s: count the
# warm-up from the moment every target has been scraped once.
step "Scraping for ${warmup}s"
for ((i = 0; ; i++)); do
  fetch "$url/api/v1/targets?state=active" 2>/dev/null \
    | python3 -c 'import json, sys; t = json.load(sys.stdin)["data"]["activeTargets"]
sys.exit(0 if t and all(x["health"] != "unknown" for x in t) else 1)' && break
  if ((i >= 150)); then
    echo "warning: not every target scraped after 30s" >&2
    break
  fi
  sleep 0.2
done
sleep "$warmup" &
sleep_pid=$!
wait "$sleep_pid" # (not a foreground sleep: SIGTERM/SIGINT cleans up at once)
sleep_pid=
targets_report all

failed=()
step "Dashboards (require data${DASHBOARDS:+ from: $DASHBOARDS})"
python3 check_dashboards.py --prometheus "$url" --require-data --wait 10 "${dashboard_args[@]}" \
  | tee "$tmp/dashboards.out" || failed+=("dashboards")

step "Alert and recording rules"
python3 - "$url" "$here/prometheus/rules" <<'PY' || failed+=("rules")
"""Every rule Prometheus loaded: healthy, and its expression evaluates."""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

url, rules_dir = sys.argv[1], Path(sys.argv[2])


def api(path, **params):
    data = urllib.parse.urlencode(params).encode() if params else None
    try:
        with urllib.request.urlopen(url + path, data=data, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:  # 400/422 carry a JSON error body
        return json.load(error)


problems, notes, count = [], [], 0
groups = api("/api/v1/rules")["data"]["groups"]
loaded = {Path(group["file"]).name for group in groups}
for path in sorted(rules_dir.glob("*.yml")):
    if path.name not in loaded:
        problems.append("%s: no rule group loaded from it" % path.name)
for group in groups:
    for rule in group["rules"]:
        count += 1
        kind = "alert" if rule["type"] == "alerting" else "record"
        where = "%s %s %s" % (Path(group["file"]).name, kind, rule["name"])
        if rule.get("health") == "err":
            problems.append("%s: evaluation error: %s" % (where, rule.get("lastError")))
            continue
        answer = api("/api/v1/query", query=rule["query"])
        if answer.get("status") != "success":
            problems.append("%s: %s: %s" % (where, answer.get("error", answer), rule["query"]))
        elif kind == "record" and not answer["data"]["result"]:
            notes.append("%s: no series (yet)" % where)
        if kind == "alert" and rule.get("state") in ("pending", "firing"):
            notes.append("%s is %s" % (where, rule["state"]))
for line in notes:
    print("note: " + line)
for line in problems:
    print("FAIL: " + line)
print("rules: %d expressions evaluated, %d problems" % (count, len(problems)))
sys.exit(1 if problems or not count else 0)
PY

# For each panel without data: the scraped metrics behind it (through the
# recording rules) that have no series, and whether any target exports them.
diagnose() {
  python3 - "$url" "$tmp/dashboards.out" <<'PY'
import json
import re
import sys
import urllib.parse
import urllib.request

url, out_file = sys.argv[1], sys.argv[2]
TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|\{[^}]*\}|\[[^\]]*\]'
                   r"|[A-Za-z_:][A-Za-z0-9_:]*|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\S")
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
OPERATORS = {"and", "or", "unless", "bool", "offset", "inf", "nan", "sum", "min", "max", "avg", "group", "stddev",
             "stdvar", "count", "count_values", "bottomk", "topk", "quantile"}  # aggregations: "max by (...) (...)"
MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")\s*,?')


def api(path, **params):
    with urllib.request.urlopen(url + path + "?" + urllib.parse.urlencode(params), timeout=10) as response:
        return json.load(response)


def count(selector):
    answer = api("/api/v1/query", query="count(%s)" % selector)
    return answer["status"] == "success" and bool(answer["data"]["result"])


def selectors(expr):
    """(metric name, [(label, op, quoted value)]) for each series selector in expr."""
    tokens = [t.group(0) for t in TOKEN.finditer(expr)]
    i, found = 0, []
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token.lower() in GROUPING and following == "(":
            i = tokens.index(")", i)  # skip the label list
        elif re.fullmatch(r"[A-Za-z_:][A-Za-z0-9_:]*", token) and following != "(" \
                and token.lower() not in OPERATORS:
            matchers = MATCHER.findall(following[1:-1]) if following.startswith("{") else []
            found.append((token, [m for m in matchers if m[2] != '".*"' or m[1] != "=~"]))
        i += 1
    return found


def text(name, matchers):
    return name + ("{%s}" % ", ".join("%s%s%s" % m for m in matchers) if matchers else "")


rules = {rule["name"]: rule["query"] for group in api("/api/v1/rules", type="record")["data"]["groups"]
         for rule in group["rules"]}
why = {}  # reason -> panels


def explain(panel, name, matchers, depth=0):
    if count(text(name, matchers)):
        return False
    if name in rules and depth < 5:
        inherited = [m for m in matchers if m[0] == "service"]
        below = [explain(panel, n, m + [x for x in inherited if x[0] not in {y[0] for y in m}], depth + 1)
                 for n, m in selectors(rules[name])]
        if any(below):
            return True
        reason = "%s: its inputs have series, the rule's result is empty" % text(name, matchers)
    elif not count('{__name__="%s"}' % name):
        reason = "%s: not exported by any target" % name
    else:
        answer = api("/api/v1/query", query="count by (service) (%s)" % name)
        services = sorted(r["metric"].get("service", "?") for r in answer["data"]["result"])
        reason = "%s: no series (%s exported by service=%s)" % (text(name, matchers), name, ",".join(services))
    why.setdefault(reason, []).append(panel)
    return True


pattern = re.compile(r"^FAIL: (.*?): no series: (.*)$")
for line in open(out_file, encoding="utf-8"):
    match = pattern.match(line.rstrip("\n"))
    if not match:
        continue
    panel, expr = match.groups()
    if not any([explain(panel, n, m) for n, m in selectors(expr)]):
        why.setdefault("every input has series; the expression's result is empty (e.g. rate() over a single "
                       "sample: a series that appeared during the warm-up)", []).append(panel + ": " + expr)
if why:
    print("Why the panels have no data:")
    for reason, panels in sorted(why.items()):
        print("  " + reason)
        for panel in sorted(set(panels)):
            print("      " + panel)
PY
}

if ((${#failed[@]} > 0)); then
  {
    printf '\nFAIL: live check failed (%s); see the FAIL lines above.\n' "${failed[*]}"
    [[ " ${failed[*]} " == *" dashboards "* ]] && { diagnose || echo "(diagnosis failed)"; }
    echo "Targets not up:"
    targets_report bad | grep . || echo "  (none: every target is up)"
    if [[ -s $tmp/prometheus.log ]]; then
      echo "--- prometheus log (last 20 lines)"
      tail -n 20 "$tmp/prometheus.log"
    fi
  } >&2
  exit 1
fi
printf '\nOK: live observability checks passed\n'
