#!/usr/bin/env python3
"""Writes the seven Grafana dashboards under dashboards/ (Python 3 stdlib only).

The JSON files are generated so that the four service dashboards stay alike
and every panel uses the recording rules' names in one spelling. Edit this
file, run it, and commit both; `build_dashboards.py --check` (run by
observability/check.sh) fails when the JSON is out of date.

    python3 build_dashboards.py           # rewrite dashboards/*.json
    python3 build_dashboards.py --check   # exit 1 if they differ
"""
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "dashboards"

# Datasource UIDs fixed in provisioning/datasources/prometheus.yml.
PROM = {"type": "prometheus", "uid": "prometheus"}
JAEGER = {"type": "jaeger", "uid": "jaeger"}

# Public URLs a browser can open (compose ports on the Docker host).
JAEGER_UI = "http://localhost:16686"

TAG = "product-store"
RATE = "$__rate_interval"


class Dashboard:
    """A dashboard laid out on Grafana's 24-column grid, row by row."""

    def __init__(self, uid, title, description, variables=(), links=(), annotations=()):
        self.uid, self.title, self.description = uid, title, description
        self.variables, self.links = list(variables), list(links)
        self.annotations = list(annotations)
        self.panels = []
        self.x = self.y = self.row_height = 0

    def _place(self, w, h):
        if self.x + w > 24:
            self.x, self.y, self.row_height = 0, self.y + self.row_height, 0
        pos = {"x": self.x, "y": self.y, "w": w, "h": h}
        self.x += w
        self.row_height = max(self.row_height, h)
        return pos

    def row(self, title):
        self.x, self.y, self.row_height = 0, self.y + self.row_height, 0
        self.panels.append({"type": "row", "title": title, "collapsed": False, "panels": [],
                            "gridPos": self._place(24, 1)})
        self.x, self.y, self.row_height = 0, self.y + 1, 0

    def add(self, panel, w=12, h=8):
        panel["gridPos"] = self._place(w, h)
        self.panels.append(panel)

    def json(self):
        for i, panel in enumerate(self.panels, start=1):
            panel["id"] = i
        builtin = {"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                   "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
                   "name": "Annotations & Alerts", "type": "dashboard"}
        return {
            "uid": self.uid,
            "title": self.title,
            "description": self.description,
            "tags": [TAG],
            "editable": True,
            "graphTooltip": 1,
            "refresh": "10s",
            "schemaVersion": 39,
            "version": 1,
            "time": {"from": "now-1h", "to": "now"},
            "timezone": "browser",
            "annotations": {"list": [builtin] + self.annotations},
            "links": [{"title": "Product Store", "type": "dashboards", "tags": [TAG],
                       "asDropdown": True, "includeVars": False, "keepTime": True}] + self.links,
            "templating": {"list": self.variables},
            "panels": self.panels,
        }


# ---- panel and variable builders -------------------------------------------

def target(expr, legend="", ref="A"):
    return {"refId": ref, "datasource": PROM, "expr": expr, "legendFormat": legend, "range": True}


def targets(*pairs):
    """targets(("expr", "legend"), ...) with refIds A, B, C, ..."""
    return [target(expr, legend, chr(ord("A") + i)) for i, (expr, legend) in enumerate(pairs)]


def thresholds(*steps):
    """thresholds(("green", None), ("red", 0.5)) -> Grafana threshold steps."""
    return {"mode": "absolute", "steps": [{"color": c, "value": v} for c, v in steps]}


def timeseries(title, tgts, unit="short", description="", stack=False, minimum=0, **defaults):
    custom = {"lineWidth": 1, "fillOpacity": 10, "showPoints": "never", "spanNulls": False}
    if stack:
        custom["stacking"] = {"mode": "normal", "group": "A"}
    field = {"unit": unit, "custom": custom}
    if minimum is not None:
        field["min"] = minimum
    field.update(defaults)
    if "thresholds" in defaults:
        custom["thresholdsStyle"] = {"mode": "dashed"}
    return {
        "type": "timeseries", "title": title, "description": description, "datasource": PROM,
        "targets": tgts,
        "fieldConfig": {"defaults": field, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["mean", "max", "lastNotNull"]},
                    "tooltip": {"mode": "multi", "sort": "desc"}},
    }


def stat(title, expr, unit="short", description="", steps=(("green", None),), legend="", mappings=None):
    return {
        "type": "stat", "title": title, "description": description, "datasource": PROM,
        "targets": [target(expr, legend)],
        "fieldConfig": {"defaults": {"unit": unit, "thresholds": thresholds(*steps),
                                     "mappings": mappings or [], "color": {"mode": "thresholds"}},
                        "overrides": []},
        "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                    "colorMode": "value", "graphMode": "area", "justifyMode": "auto",
                    "orientation": "auto", "textMode": "auto"},
    }


def state_timeline(title, expr, legend, mappings, description=""):
    return {
        "type": "state-timeline", "title": title, "description": description, "datasource": PROM,
        "targets": [target(expr, legend)],
        "fieldConfig": {"defaults": {"mappings": mappings, "color": {"mode": "thresholds"},
                                     "thresholds": thresholds(("green", None))},
                        "overrides": []},
        "options": {"showValue": "auto", "mergeValues": True, "rowHeight": 0.9,
                    "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True}},
    }


def value_mapping(*entries):
    """value_mapping((0, "closed", "green"), ...)"""
    return [{"type": "value", "options": {
        str(value): {"text": text, "color": color, "index": i} for i, (value, text, color) in enumerate(entries)}}]


def query_variable(name, label, query, include_all=True):
    return {
        "name": name, "label": label, "type": "query", "datasource": PROM,
        "query": query, "definition": query, "refresh": 2, "sort": 1,
        "includeAll": include_all, "multi": include_all, "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]} if include_all else {},
    }


def alerts_annotation(selector):
    """Shades the graphs while an alert of these services is firing."""
    return {"name": "Firing alerts", "datasource": PROM, "enable": True, "iconColor": "red",
            "expr": 'ALERTS{alertstate="firing",%s}' % selector, "step": "30s",
            "titleFormat": "{{alertname}}", "textFormat": "{{service}} {{instance}}",
            "useValueForTime": False}


def link(title, url, icon="external link"):
    return {"title": title, "type": "link", "url": url, "icon": icon, "targetBlank": True}


# ---- the four service dashboards --------------------------------------------

LATENCY_STEPS = (("green", None), ("orange", 0.3), ("red", 0.5))   # alert at p99 > 500 ms
ERROR_STEPS = (("green", None), ("orange", 0.01), ("red", 0.05))   # alert at 5xx > 5 %
HEAP_STEPS = (("green", None), ("orange", 0.7), ("red", 0.8))      # alert at heap > 80 %
CIRCUIT = value_mapping((0, "closed", "green"), (1, "half-open", "yellow"), (2, "open", "red"))


def service_dashboard(service, title, description, business, calls_out=True):
    s = 'service="%s"' % service
    sr = 'service="%s", route=~"$route"' % service
    si = 'service="%s", instance=~"$instance"' % service
    d = Dashboard(
        "store-" + service, title, description,
        variables=[
            query_variable("instance", "Instance", 'label_values(up{%s}, instance)' % s),
            query_variable("route", "Route",
                           'label_values(service_route:vertx_http_server_requests:rate1m{%s}, route)' % s),
        ],
        links=[link("Traces of %s (Jaeger)" % service, "%s/search?service=%s" % (JAEGER_UI, service))],
        annotations=[alerts_annotation(s)],
    )

    d.row("Overview")
    d.add(stat("Requests/s", "service:vertx_http_server_requests:rate1m{%s}" % s, "reqps"), w=6, h=4)
    d.add(stat("p99 latency", "service:vertx_http_server_response_time_seconds:p99{%s}" % s, "s",
               "Alert above 500 ms", LATENCY_STEPS), w=6, h=4)
    d.add(stat("5xx ratio", "service:vertx_http_server_errors:ratio_rate1m{%s}" % s, "percentunit",
               "HighErrorRate fires above 5 %", ERROR_STEPS), w=6, h=4)
    d.add(stat("Replicas up", "sum(up{%s})" % s, "short", "Scraped targets answering /metrics",
               (("red", None), ("orange", 1), ("green", 2))), w=6, h=4)

    d.row("HTTP by route")
    d.add(timeseries("Requests/s by route", targets(
        ("service_route:vertx_http_server_requests:rate1m{%s}" % sr, "{{route}}")), "reqps"))
    d.add(timeseries("Responses/s by status code", targets(
        ("service_code:vertx_http_server_requests:rate1m{%s}" % s, "{{code}}")), "reqps", stack=True))
    for q in ("p50", "p95", "p99"):
        d.add(timeseries("Latency %s by route" % q, targets(
            ("service_route:vertx_http_server_response_time_seconds:%s{%s}" % (q, sr), "{{route}}")), "s"),
            w=8)
    d.add(timeseries("Latency p50 / p95 / p99 (all routes)", targets(
        ("service:vertx_http_server_response_time_seconds:p50{%s}" % s, "p50"),
        ("service:vertx_http_server_response_time_seconds:p95{%s}" % s, "p95"),
        ("service:vertx_http_server_response_time_seconds:p99{%s}" % s, "p99")), "s"))
    d.add(timeseries("5xx ratio by route", targets(
        ("service_route:vertx_http_server_errors:ratio_rate1m{%s}" % sr, "{{route}}"),
        ("service:vertx_http_server_errors:ratio_rate1m{%s}" % s, "all routes")), "percentunit"))

    d.row("Business")
    for panel, width in business(s):
        d.add(panel, w=width)

    if calls_out:
        d.row("Calls to other services")
        d.add(timeseries("Call latency p95 by target", targets(
            ("service_target:service_call_duration_seconds:p95{%s}" % s, "{{target}}")), "s",
            "HTTP in split mode, event bus in all-in-one mode"), w=8)
        d.add(timeseries("Calls/s by target and outcome", targets(
            ("service_target_outcome:service_calls:rate1m{%s}" % s, "{{target}} {{outcome}}")), "reqps"), w=8)
        d.add(state_timeline("Circuit breakers", "max by (instance, target) (circuit_breaker_state{%s})" % si,
                             "{{instance}} → {{target}}", CIRCUIT,
                             "0 closed, 1 half-open, 2 open"), w=8)

    d.row("Cassandra queries")
    d.add(timeseries("Queries/s by statement", targets(
        ("service_query:cassandra_queries:rate1m{%s}" % s, "{{query}}")), "reqps"))
    d.add(timeseries("Query latency p95 by statement", targets(
        ("service_query:cassandra_query_duration_seconds:p95{%s}" % s, "{{query}}")), "s"))

    d.row("JVM")
    d.add(timeseries("Heap used / max", targets(
        ("instance:jvm_memory_heap:used_ratio{%s}" % si, "{{instance}}")), "percentunit",
        "HighMemoryUsage fires above 80 % for 5 minutes", max=1,
        thresholds=thresholds(*HEAP_STEPS)), w=8)
    d.add(timeseries("Heap used", targets(
        ('sum by (instance) (jvm_memory_used_bytes{%s, area="heap"})' % si, "{{instance}}")), "bytes"), w=8)
    d.add(timeseries("GC pause time per second", targets(
        ("sum by (instance) (rate(jvm_gc_pause_seconds_sum{%s}[%s]))" % (si, RATE), "{{instance}}")),
        "percentunit", "Share of wall time spent in GC pauses"), w=8)
    return d


def catalog_business(s):
    yield timeseries("Product views/s", targets(
        ("sum(rate(product_views_total{%s}[%s]))" % (s, RATE), "views")), "reqps"), 8
    yield timeseries("Most viewed categories", targets(
        ("topk(10, sum by (category) (increase(product_views_total{%s}[$__range])))" % s, "{{category}}")),
        "short", "Product detail views over the dashboard's time range, by category (a label per product "
        "would be a series per product)"), 8
    yield stat("Products in the catalog", "max(products_count{%s})" % s), 8


def cart_business(s):
    yield timeseries("Items added to carts/s", targets(
        ("sum(rate(cart_items_added_total{%s}[%s]))" % (s, RATE), "items")), "reqps"), 8
    yield timeseries("Value of carts checked out", targets(
        ("histogram_quantile(0.50, sum by (le) (rate(cart_value_bucket{%s}[%s])))" % (s, RATE), "p50"),
        ("histogram_quantile(0.95, sum by (le) (rate(cart_value_bucket{%s}[%s])))" % (s, RATE), "p95"),
        ("sum(rate(cart_value_sum{%s}[%s])) / sum(rate(cart_value_count{%s}[%s]))" % (s, RATE, s, RATE), "mean")),
        "short", "Checked-out cart totals, in the catalog's currency"), 8
    yield timeseries("Stock validation failures/s", targets(
        ("sum(rate(stock_validation_failures_total{%s}[%s]))" % (s, RATE), "refused")), "reqps",
        "Cart changes refused for lack of stock"), 8


def order_business(s):
    yield timeseries("Orders created/s", targets(
        ("sum(rate(orders_created_total{%s}[%s]))" % (s, RATE), "orders")), "reqps"), 8
    yield timeseries("Status changes/s by status", targets(
        ("sum by (status) (rate(order_status_changes_total{%s}[%s]))" % (s, RATE), "{{status}}")),
        "reqps", stack=True), 8
    yield timeseries("Delivery time (creation → delivered)", targets(
        ("histogram_quantile(0.50, sum by (le) (rate(order_delivery_time_seconds_bucket{%s}[%s])))" % (s, RATE), "p50"),
        ("histogram_quantile(0.95, sum by (le) (rate(order_delivery_time_seconds_bucket{%s}[%s])))" % (s, RATE), "p95")),
        "s"), 8


def user_business(s):
    yield timeseries("Registrations/s", targets(
        ("sum(rate(user_registrations_total{%s}[%s]))" % (s, RATE), "registrations")), "reqps"), 12
    yield stat("Registrations in range", "sum(increase(user_registrations_total{%s}[$__range]))" % s,
               description="New users over the dashboard's time range"), 12


# ---- gateway, Cassandra, tracing ----------------------------------------------

def gateway():
    n = 'service="nginx"'
    d = Dashboard("store-nginx", "Gateway (nginx)",
                  "nginx from its stub_status (nginx-prometheus-exporter) and the upstream services' own view",
                  annotations=[alerts_annotation('service=~"nginx|catalog|cart|order|user"')])
    d.row("nginx")
    d.add(stat("nginx up", "min(nginx_up{%s})" % n, mappings=value_mapping((0, "down", "red"), (1, "up", "green"))),
          w=6, h=4)
    d.add(stat("Requests/s", "sum(rate(nginx_http_requests_total{%s}[%s]))" % (n, RATE), "reqps"), w=6, h=4)
    d.add(stat("Active connections", "sum(nginx_connections_active{%s})" % n), w=6, h=4)
    d.add(stat("Dropped connections in range",
               "sum(increase(nginx_connections_accepted{%s}[$__range])) - sum(increase(nginx_connections_handled{%s}[$__range]))"
               % (n, n), steps=(("green", None), ("red", 1))), w=6, h=4)
    d.add(timeseries("Requests/s", targets(
        ("sum(rate(nginx_http_requests_total{%s}[%s]))" % (n, RATE), "requests")), "reqps"), w=8)
    d.add(timeseries("Connections by state", targets(
        ("sum(nginx_connections_reading{%s})" % n, "reading"),
        ("sum(nginx_connections_writing{%s})" % n, "writing"),
        ("sum(nginx_connections_waiting{%s})" % n, "waiting (keep-alive)")), stack=True), w=8)
    d.add(timeseries("Connections accepted / handled per second", targets(
        ("sum(rate(nginx_connections_accepted{%s}[%s]))" % (n, RATE), "accepted"),
        ("sum(rate(nginx_connections_handled{%s}[%s]))" % (n, RATE), "handled"))), w=8)

    d.row("Upstream services (as they measure themselves)")
    d.add(timeseries("Requests/s by service", targets(
        ("service:vertx_http_server_requests:rate1m", "{{service}}")), "reqps", stack=True))
    d.add(timeseries("p99 latency by service", targets(
        ("service:vertx_http_server_response_time_seconds:p99", "{{service}}")), "s",
        thresholds=thresholds(*LATENCY_STEPS)))
    d.add(timeseries("5xx ratio by service", targets(
        ("service:vertx_http_server_errors:ratio_rate1m", "{{service}}")), "percentunit"))
    d.add(timeseries("Responses/s by service and status code", targets(
        ("service_code:vertx_http_server_requests:rate1m", "{{service}} {{code}}")), "reqps"))
    return d


def cassandra():
    c = 'service="cassandra"'
    d = Dashboard("store-cassandra", "Cassandra",
                  "The Cassandra node (Prometheus JMX exporter agent, rules in observability/cassandra/) "
                  "and the statements the services run",
                  annotations=[alerts_annotation(c)])
    d.row("Overview")
    d.add(stat("Node up", "min(up{%s})" % c, mappings=value_mapping((0, "down", "red"), (1, "up", "green"))),
          w=5, h=4)
    d.add(stat("Client requests/s", "sum(service:cassandra_client_requests:rate1m{%s})" % c, "reqps",
               "CassandraHighRPS fires above 100", (("green", None), ("orange", 80), ("red", 100))), w=5, h=4)
    d.add(stat("Down endpoints", "max(cassandra_failuredetector_downendpointcount{%s})" % c,
               steps=(("green", None), ("red", 1))), w=4, h=4)
    d.add(stat("Data on disk", "sum(cassandra_storage_load{%s})" % c, "bytes"), w=5, h=4)
    d.add(stat("Heap used / max", "max(instance:jvm_memory_heap:used_ratio{%s})" % c, "percentunit",
               steps=HEAP_STEPS), w=5, h=4)

    d.row("Client requests")
    d.add(timeseries("Requests/s by type", targets(
        ("service_clientrequest:cassandra_client_requests:rate1m{%s}" % c, "{{clientrequest}}")), "reqps",
        stack=True, thresholds=thresholds(("green", None), ("red", 100))), w=8)
    d.add(timeseries("Latency p95 / p99 by type", targets(
        ('cassandra_clientrequest_latency_95thpercentile{%s, clientrequest=~"Read|Write|RangeSlice"}' % c,
         "{{clientrequest}} p95"),
        ('cassandra_clientrequest_latency_99thpercentile{%s, clientrequest=~"Read|Write|RangeSlice"}' % c,
         "{{clientrequest}} p99")), "µs", "Coordinator latency, Cassandra's own histogram"), w=8)
    d.add(timeseries("Timeouts, failures, unavailables per second", targets(
        ("sum by (clientrequest) (rate(cassandra_clientrequest_timeouts_count{%s}[%s]))" % (c, RATE),
         "{{clientrequest}} timeouts"),
        ("sum by (clientrequest) (rate(cassandra_clientrequest_failures_count{%s}[%s]))" % (c, RATE),
         "{{clientrequest}} failures"),
        ("sum by (clientrequest) (rate(cassandra_clientrequest_unavailables_count{%s}[%s]))" % (c, RATE),
         "{{clientrequest}} unavailables"))), w=8)

    d.row("Statements, as the services see them")
    d.add(timeseries("Queries/s by service and statement", targets(
        ("service_query:cassandra_queries:rate1m", "{{service}} {{query}}")), "reqps"))
    d.add(timeseries("Query latency p95 by service and statement", targets(
        ("service_query:cassandra_query_duration_seconds:p95", "{{service}} {{query}}")), "s"))

    d.row("Node internals")
    d.add(timeseries("Pending compactions", targets(
        ("sum(cassandra_compaction_pendingtasks{%s})" % c, "pending"))), w=6)
    d.add(timeseries("Pending tasks by thread pool", targets(
        ("sum by (threadpools) (cassandra_threadpools_pendingtasks{%s})" % c, "{{threadpools}}")),
        stack=True), w=6)
    d.add(timeseries("Live SSTables by table", targets(
        ('cassandra_table_livesstablecount{%s, keyspace!~"system.*"}' % c, "{{keyspace}}.{{table}}"))), w=6)
    d.add(timeseries("GC time per second", targets(
        ("sum by (gc) (rate(jvm_gc_collection_seconds_sum{%s}[%s]))" % (c, RATE), "{{gc}}")), "percentunit"),
        w=6)
    d.add(timeseries("Heap", targets(
        ('sum(jvm_memory_used_bytes{%s, area="heap"})' % c, "used"),
        ('sum(jvm_memory_max_bytes{%s, area="heap"})' % c, "max")), "bytes"), w=24)
    return d


def traces():
    services = ["catalog", "cart", "order", "user"]
    t = 'service=~"%s"' % "|".join(services)
    d = Dashboard(
        "store-jaeger", "Tracing",
        "Find traces in Jaeger and watch each service's tracer: what it records and what reaches the backend",
        variables=[
            {"name": "service", "label": "Service", "type": "custom", "query": ",".join(services),
             "current": {"selected": True, "text": services[0], "value": services[0]},
             "options": [{"selected": i == 0, "text": x, "value": x} for i, x in enumerate(services)]},
            {"name": "trace_id", "label": "Trace ID", "type": "textbox", "query": "",
             "current": {"text": "", "value": ""}},
        ],
        links=[link("Jaeger UI", JAEGER_UI + "/search")],
        annotations=[alerts_annotation(t)],
    )
    d.row("Traces")
    d.add({"type": "table", "title": "Recent traces of $service", "datasource": JAEGER,
           "description": "Click a trace ID to open it; pick the service above",
           "targets": [{"refId": "A", "datasource": JAEGER, "queryType": "search",
                        "service": "$service", "limit": 20}],
           "fieldConfig": {"defaults": {}, "overrides": []},
           "options": {"showHeader": True, "sortBy": [{"displayName": "Start time", "desc": True}]}}, w=24, h=9)
    d.add({"type": "traces", "title": "Trace $trace_id", "datasource": JAEGER,
           "description": "Paste a trace ID (for example from a service's access log) into the Trace ID box",
           "targets": [{"refId": "A", "datasource": JAEGER, "query": "$trace_id"}],
           "options": {}}, w=24, h=14)

    # the senders' side (SpanCounts in the launcher): the same whatever the backend (Jaeger, Zipkin, a collector)
    d.row("The services' tracers")
    d.add(timeseries("Spans recorded/s by service", targets(
        ("sum by (service) (rate(tracing_spans_ended_total{%s}[%s]))" % (t, RATE), "{{service}}")),
        "reqps", stack=True), w=8)
    d.add(timeseries("Spans recorded/s by kind", targets(
        ("sum by (kind) (rate(tracing_spans_ended_total{%s}[%s]))" % (t, RATE), "{{kind}}")),
        "reqps", stack=True), w=8)
    d.add(timeseries("Requests traced (sampled share of requests)", targets(
        ("sum by (service) (rate(tracing_spans_ended_total{%s, kind=\"server\"}[%s])) / sum by (service) "
         "(rate(vertx_http_server_requests_total{%s}[%s]))" % (t, RATE, t, RATE), "{{service}}")),
        "percentunit", description="Server spans per HTTP request answered: the sampler's share"), w=8)
    d.add(timeseries("Spans exported / failed per second", targets(
        ("sum by (outcome) (rate(tracing_spans_exported_total{%s}[%s]))" % (t, RATE), "{{outcome}}")),
        "reqps", description="failure: the backend refused the batch or could not be reached"), w=12)
    d.add(timeseries("Spans recorded but not exported per second", targets(
        ("clamp_min(sum by (service) (rate(tracing_spans_ended_total{%s}[%s])) - sum by (service) "
         "(rate(tracing_spans_exported_total{%s}[%s])), 0)" % (t, RATE, t, RATE), "{{service}}")),
        "reqps", description="Dropped by the SDK's full queue, failed, or still queued"), w=12)
    return d


def dashboards():
    return {
        "catalog.json": service_dashboard(
            "catalog", "Catalog service", "Products and categories (port 8000, gateway prefix /api)",
            catalog_business, calls_out=False),
        "cart.json": service_dashboard(
            "cart", "Cart service", "Carts and checkout (port 8001, gateway prefix /cart-api)", cart_business),
        "order.json": service_dashboard(
            "order", "Order service", "Orders and their lifecycle (port 8002, gateway prefix /order-api)",
            order_business),
        "user.json": service_dashboard(
            "user", "User service", "Accounts, tokens and profiles (port 8003, gateway prefix /user-api)",
            user_business),
        "gateway.json": gateway(),
        "cassandra.json": cassandra(),
        "traces.json": traces(),
    }


def main(argv):
    check = argv[1:] == ["--check"]
    if argv[1:] and not check:
        sys.exit(__doc__)
    stale = []
    for name, dashboard in dashboards().items():
        text = json.dumps(dashboard.json(), indent=2, ensure_ascii=False) + "\n"
        path = OUT / name
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            OUT.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        sys.exit("out of date (run python3 observability/grafana/build_dashboards.py): " + ", ".join(stale))


if __name__ == "__main__":
    main(sys.argv)
