#!/usr/bin/env python3
"""Checks the Grafana dashboards against a real Prometheus (stdlib only).

    check_dashboards.py --prometheus http://127.0.0.1:9090 [--require-data] [--dashboard catalog.json ...]

For every dashboard under grafana/dashboards/:
  * the JSON parses; uid and title are set and unique; panel ids are unique;
    every panel and query names a datasource UID that provisioning defines;
  * every PromQL expression (panel queries, `label_values(...)` variables,
    annotation queries) is sent to Prometheus' /api/v1/query with Grafana's
    variables replaced ($__rate_interval -> 1m, $__range -> 1h, $var -> .*);
    any "status": "error" fails the check;
  * every recording-rule name used (a name with a colon) is one of the rules
    Prometheus has loaded (/api/v1/rules), so a misspelt rule name fails even
    on an empty Prometheus;
  * with --require-data (against a Prometheus that scrapes the running
    system), every panel query must also return at least one series.

--dashboard NAME (repeatable; "catalog.json" or "catalog") checks only the
named dashboards, e.g. those a partial system can fill; default: all of them.

Exit status 1 and one line per problem on failure.
"""
import argparse
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
DASHBOARDS = HERE / "grafana" / "dashboards"
DATASOURCES = HERE / "grafana" / "provisioning" / "datasources" / "prometheus.yml"

# What Grafana would put in place of its built-in variables.
BUILTINS = {"__rate_interval": "1m", "__interval": "1m", "__range": "1h",
            "__interval_ms": "60000", "__range_s": "3600", "__range_ms": "3600000"}
VARIABLE = re.compile(r"\$(?:\{(\w+)(?::\w+)?\}|(\w+))")
STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
RULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*:[A-Za-z0-9_:]*")
LABEL_VALUES = re.compile(r"^\s*label_values\((.*),\s*\w+\s*\)\s*$", re.S)
QUERY_RESULT = re.compile(r"^\s*query_result\((.*)\)\s*$", re.S)


def substitute(expr):
    def value(match):
        name = match.group(1) or match.group(2)
        return BUILTINS.get(name, ".*")
    return VARIABLE.sub(value, expr)


def datasource_uids():
    """UIDs from the provisioning file (a flat `uid: x` per datasource)."""
    return set(re.findall(r"^\s*uid:\s*(\S+)\s*$", DATASOURCES.read_text(encoding="utf-8"), re.M))


def walk(panels):
    for panel in panels:
        yield panel
        yield from walk(panel.get("panels", []))


class Checker:
    def __init__(self, prometheus, require_data, only=None):
        self.prometheus = prometheus.rstrip("/")
        self.require_data = require_data
        self.only = only  # dashboard file names to check; None: all
        self.problems = []
        self.queries = 0

    def problem(self, where, text):
        self.problems.append("%s: %s" % (where, text))

    def api(self, path, post=False, **params):
        """GET (or POST, for long queries) an /api/v1 endpoint; the JSON answer."""
        url, data = self.prometheus + path, urllib.parse.urlencode(params)
        if post:
            data = data.encode()
        else:
            url, data = url + "?" + data, None
        try:
            with urllib.request.urlopen(url, data=data, timeout=10) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:  # 400/422 carry a JSON error body
            return json.load(error)

    def wait_ready(self, seconds):
        deadline = time.monotonic() + seconds
        while True:
            try:
                with urllib.request.urlopen(self.prometheus + "/-/ready", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("Prometheus at %s not ready after %ss" % (self.prometheus, seconds))
            time.sleep(0.2)

    def recording_rules(self):
        answer = self.api("/api/v1/rules", type="record")
        return {rule["name"] for group in answer["data"]["groups"] for rule in group["rules"]}

    def query(self, where, expr, rules, need_data):
        expr = substitute(expr)
        for name in set(RULE_NAME.findall(STRING.sub('""', expr))):
            if name not in rules:
                self.problem(where, "no recording rule named %s" % name)
        self.queries += 1
        answer = self.api("/api/v1/query", post=True, query=expr)
        if answer.get("status") != "success":
            self.problem(where, "%s: %s" % (answer.get("error", answer), expr))
        elif need_data and not answer["data"]["result"]:
            self.problem(where, "no series: " + expr)

    def check(self):
        uids_known = datasource_uids()
        rules = self.recording_rules()
        if not rules:
            self.problem("prometheus", "no recording rules loaded")
        dashboards = sorted(DASHBOARDS.glob("*.json"))
        if self.only is not None:
            dashboards = [path for path in dashboards if path.name in self.only]
        if not dashboards:
            self.problem(str(DASHBOARDS), "no dashboards")
        seen_uids, seen_titles = {}, {}
        for path in dashboards:
            try:
                board = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as error:
                self.problem(path.name, "invalid JSON: %s" % error)
                continue
            self.check_dashboard(path.name, board, uids_known, rules, seen_uids, seen_titles)
        return not self.problems

    def check_dashboard(self, name, board, uids_known, rules, seen_uids, seen_titles):
        for key, seen in (("uid", seen_uids), ("title", seen_titles)):
            value = board.get(key)
            if not value:
                self.problem(name, "no %s" % key)
            elif value in seen:
                self.problem(name, "%s %r also used by %s" % (key, value, seen[value]))
            else:
                seen[value] = name

        for variable in board.get("templating", {}).get("list", []):
            where = "%s variable $%s" % (name, variable.get("name"))
            if variable.get("type") != "query":
                continue
            self.check_datasource(where, variable.get("datasource"), uids_known)
            query = variable.get("query")
            query = query.get("query", "") if isinstance(query, dict) else query or ""
            inner = LABEL_VALUES.match(query) or QUERY_RESULT.match(query)
            expr = inner.group(1) if inner else query
            if expr.strip() and not re.fullmatch(r"\s*label_values\(\s*\w+\s*\)\s*", query):
                self.query(where, expr, rules, need_data=False)

        for annotation in board.get("annotations", {}).get("list", []):
            if annotation.get("expr"):
                where = "%s annotation %r" % (name, annotation.get("name"))
                self.check_datasource(where, annotation.get("datasource"), uids_known)
                self.query(where, annotation["expr"], rules, need_data=False)

        ids = set()
        for panel in walk(board.get("panels", [])):
            where = "%s panel %r" % (name, panel.get("title"))
            if panel.get("id") in ids:
                self.problem(where, "duplicate panel id %s" % panel.get("id"))
            ids.add(panel.get("id"))
            if "gridPos" not in panel:
                self.problem(where, "no gridPos")
            if panel.get("type") == "row":
                continue
            panel_source = panel.get("datasource")
            self.check_datasource(where, panel_source, uids_known)
            targets = panel.get("targets", [])
            if not targets and panel.get("type") != "text":
                self.problem(where, "no queries")
            for target in targets:
                source = target.get("datasource") or panel_source or {}
                if source != panel_source:
                    self.check_datasource(where, source, uids_known)
                if source.get("type") == "prometheus":
                    if not target.get("expr", "").strip():
                        self.problem(where, "Prometheus query without expr")
                    else:
                        self.query(where, target["expr"], rules, need_data=self.require_data)
                elif source.get("type") == "jaeger":
                    if not (target.get("queryType") == "search" and target.get("service")) \
                            and not target.get("query"):
                        self.problem(where, "Jaeger query with neither a search service nor a trace id")

    def check_datasource(self, where, source, uids_known):
        if not isinstance(source, dict) or source.get("uid") not in uids_known:
            self.problem(where, "datasource %r is not provisioned (%s)" % (source, ", ".join(sorted(uids_known))))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prometheus", required=True, help="base URL, e.g. http://127.0.0.1:9090")
    parser.add_argument("--require-data", action="store_true", help="every panel query must return a series")
    parser.add_argument("--wait", type=float, default=30, help="seconds to wait for Prometheus to be ready")
    parser.add_argument("--dashboard", action="append", metavar="NAME",
                        help="check only this dashboard (file name under grafana/dashboards/, .json optional); "
                             "repeatable; default: all")
    args = parser.parse_args()

    only = None
    if args.dashboard:
        known = {path.name for path in DASHBOARDS.glob("*.json")}
        only = {name if name.endswith(".json") else name + ".json" for name in args.dashboard}
        unknown = sorted(only - known)
        if unknown:
            parser.error("no such dashboard: %s (known: %s)" % (", ".join(unknown), ", ".join(sorted(known))))

    checker = Checker(args.prometheus, args.require_data, only)
    checker.wait_ready(args.wait)
    ok = checker.check()
    for line in checker.problems:
        print("FAIL: " + line)
    print("dashboards: %d PromQL expressions evaluated, %d problems" % (checker.queries, len(checker.problems)))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
