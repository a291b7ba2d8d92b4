#!/usr/bin/env bash
# Validates everything under observability/ with the real programs:
#   promtool check config / check rules / test rules   (Prometheus)
#   render.sh + amtool check-config, amtool template render   (Alertmanager)
#   the dashboards: generated JSON up to date, and every PromQL expression
#   evaluated by a real Prometheus started on a free loopback port
# Needs the Debian packages prometheus, prometheus-alertmanager and python3.
# With CI=true a missing program fails the check; otherwise it is skipped.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

# shellcheck source=require-programs.sh source-path=SCRIPTDIR
. "$here/require-programs.sh"
require_programs "prometheus prometheus-alertmanager python3" promtool prometheus amtool python3

tmp=$(mktemp -d)
prometheus_pid=
cleanup() {
  if [[ -n $prometheus_pid ]]; then
    kill "$prometheus_pid" 2>/dev/null || true
    wait "$prometheus_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

step "Prometheus configuration and rules"
promtool check config prometheus/prometheus.yml
promtool check rules prometheus/rules/*.yml
promtool test rules prometheus/tests/*.yml

step "Alertmanager configuration (rendered with dummy Telegram credentials)"
# The routing the issue asks for is in the template: guard it against edits.
for setting in 'group_by: \[alertname, service\]' 'group_wait: 10s' 'group_interval: 1m' 'repeat_interval: 5m'; do
  grep -Eq "^  $setting\$" alertmanager/alertmanager.yml.tmpl || fail "alertmanager.yml.tmpl: no '$setting'"
done
printf '123456789:AAExampleExampleExampleExample-_x\n' > "$tmp/bot_token"
TELEGRAM_BOT_TOKEN_FILE="$tmp/bot_token" TELEGRAM_CHAT_ID=-1001234567890 \
  sh alertmanager/render.sh "$tmp/alertmanager.yml"
grep -q 'chat_id: -1001234567890$' "$tmp/alertmanager.yml" || fail "chat id not rendered"
grep -q "bot_token: '123456789:AAExampleExampleExampleExample-_x'" "$tmp/alertmanager.yml" || fail "bot token not rendered"
amtool check-config "$tmp/alertmanager.yml"
# Without a token, Alertmanager must still get a valid config (no Telegram).
env -u TELEGRAM_BOT_TOKEN -u TELEGRAM_BOT_TOKEN_FILE sh alertmanager/render.sh "$tmp/no-telegram.yml" 2>/dev/null
amtool check-config "$tmp/no-telegram.yml" >/dev/null
! grep -q telegram_configs "$tmp/no-telegram.yml" || fail "telegram receiver rendered without a token"
# A chat id that is not an integer is refused, not written into the YAML.
if TELEGRAM_BOT_TOKEN=1:x TELEGRAM_CHAT_ID='1}' sh alertmanager/render.sh "$tmp/bad.yml" 2>/dev/null; then
  fail "render.sh accepted a malformed chat id"
fi

step "Telegram message template"
amtool template render --template.glob='alertmanager/templates/*.tmpl' \
  --template.text='{{ template "telegram.message" . }}' \
  --template.data=alertmanager/testdata/alerts.json > "$tmp/message.html"
python3 - "$tmp/message.html" <<'PY'
"""The message must carry summary, value and links, and be HTML Telegram accepts."""
import sys
from html.parser import HTMLParser

text = open(sys.argv[1], encoding="utf-8").read()
for needed in ("<b>FIRING</b>", "<b>cart: more than 5 % of responses are 5xx</b>", "Value: <b>6%</b>",
               ", resolved 2025-01-01 09:10:00 UTC", 'href="http://localhost:3000/d/store-cart"',
               "&amp;g0.tab=1", "&lt;b&gt;not a tag&lt;/b&gt; &amp; more", ">Runbook</a>", ">Alertmanager</a>"):
    if needed not in text:
        sys.exit("FAIL: telegram message lacks %r:\n%s" % (needed, text))

ALLOWED = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler", "span"}


class Telegram(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.open = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED:
            sys.exit("FAIL: Telegram does not accept <%s>" % tag)
        self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open.pop() != tag:
            sys.exit("FAIL: unbalanced </%s>" % tag)


parser = Telegram()
parser.feed(text)
parser.close()
if parser.open:
    sys.exit("FAIL: unclosed tags %s" % parser.open)
print("telegram message: %d characters, HTML accepted" % len(text))
PY

step "Grafana dashboards"
python3 grafana/build_dashboards.py --check
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# No scrape targets: the rules are loaded so that their names are known, and
# every expression is parsed and evaluated by the real query engine.
cat > "$tmp/prometheus.yml" <<EOF
global:
  evaluation_interval: 10s
rule_files:
  - $here/prometheus/rules/*.yml
EOF
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
  --web.listen-address="127.0.0.1:$port" --log.level=warn > "$tmp/prometheus.log" 2>&1 &
prometheus_pid=$!
if ! python3 check_dashboards.py --prometheus "http://127.0.0.1:$port" --wait 30; then
  echo "--- prometheus log" >&2
  cat "$tmp/prometheus.log" >&2
  exit 1
fi

printf '\nOK: observability checks passed\n'
