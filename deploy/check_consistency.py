#!/usr/bin/env python3
"""Consistency of the deployment files with the store, the gateway and the observability configuration.

    python3 deploy/check_consistency.py [--env-file FILE]

Standard library and PyYAML (Debian python3-yaml); the Kubernetes schema section also uses Debian's
python3-kubernetes (its API models, offline; --require-k8s-models makes its absence an error). Reads, never
runs anything. It checks that:

- compose: every variable given to a store process is one the store reads (docs/configuration.md's tables and
  StoreConfig.ENVIRONMENT), the gateway's are render.sh's (docs/configuration.md's gateway table) or its
  entrypoint's; each service has the variables it needs; peers' URLs, CASSANDRA_HOST, the OTLP endpoint and
  nginx's upstreams name compose services (or network aliases) of the right mode on ports they expose, and
  each peer's URLs together reach every replica of that peer (a scalable `deploy.replicas: 0` service too, so
  through an alias it shares); TRUSTED_PROXIES is the gateway's fixed address, inside the subnet and outside the
  dynamic range; every Prometheus scrape target (observability/prometheus/prometheus.yml), static or a
  dns_sd_configs name (type A), is a compose service or alias and a port it exposes (a store's public port, with
  the `service` label of its mode), every store replica is scraped (a scalable one through a dns_sd name), and
  none twice; Grafana's datasources reach compose services (Jaeger under its base path); health checks ask
  paths that exist (the store's Health routes, nginx's /healthz) on the right ports; depends_on conditions have
  what they wait for; secrets are ${...} references, the example secrets are too short to be accepted, and .env
  is ignored by git;
- Dockerfile: ports, health check, memory flags, cassandra-lib beside the jar, a non-root user;
- Kubernetes (k8s/kustomization.yaml, resolved like kustomize: files, directories, generators): every manifest
  is listed; selectors match template labels; Services select a workload and target its named ports; probes
  use existing ports and the store's health paths; containers have requests and limits; stateless services
  have 2+ replicas and a PodDisruptionBudget; the StatefulSet has its headless Service and volume claims;
  ConfigMaps and Secrets referenced exist (Secrets in secret.example.yaml only, with every key used); peers,
  upstreams and Prometheus targets name Services and ports; every field is a field of the Kubernetes API
  (python3-kubernetes' models, unknown fields fail).
"""
import argparse
import ipaddress
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
problems = []
passed = 0


def check(condition, message):
    """Records one check: a failure is reported with its message."""
    global passed
    if condition:
        passed += 1
    else:
        problems.append(message)
    return condition


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


# ---- what the store, the gateway and observability define ------------------------------------------------

def documented_variables():
    """Backticked variable names in docs/configuration.md's tables: (store variables, gateway variables)."""
    text = (ROOT / "docs/configuration.md").read_text(encoding="utf-8")
    store_part, _, gateway_part = text.partition("## Gateway")
    gateway_part = gateway_part.split("\n## ", 1)[0]

    def names(part):
        found = set()
        for line in part.splitlines():
            if line.startswith("|"):
                found.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", line))
        return found

    return names(store_part), names(gateway_part)


def store_environment():
    """The variables StoreConfig.ENVIRONMENT maps to configuration keys."""
    source = (ROOT / "verticles/src/main/java/store/platform/StoreConfig.java").read_text(encoding="utf-8")
    return set(re.findall(r'ENVIRONMENT\.put\("([A-Z0-9_]+)"', source))


def health_routes():
    source = (ROOT / "verticles/src/main/java/store/platform/Health.java").read_text(encoding="utf-8")
    return set(re.findall(r'router\.get\("(/[^"]*)"\)', source))


def service_ports():
    """{mode: public port} from the launcher's Topology, and the internal port offset."""
    source = (ROOT / "launcher/src/main/java/store/launcher/Topology.java").read_text(encoding="utf-8")
    ports = {name: int(port) for name, port in re.findall(r'register\("(\w+)", (\d+),', source)}
    offset = re.search(r"return publicPort \+ (\d+);", source)
    return ports, int(offset.group(1)) if offset else 1000


def render_variables():
    """The variables nginx/render.sh reads (NAME=${NAME:-...})."""
    source = (ROOT / "nginx/render.sh").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z_]+)=\$\{\1:-", source, re.M))


def entrypoint_variables():
    """The variables deploy/nginx/entrypoint.sh documents in its header and reads."""
    source = (ROOT / "deploy/nginx/entrypoint.sh").read_text(encoding="utf-8")
    header = re.findall(r"^#   ([A-Z_]+) ", source, re.M)
    return {name for name in header if "${" + name in source}


def nginx_locations():
    return set(re.findall(r"location = (/\S+)", (ROOT / "nginx/nginx.conf.template").read_text(encoding="utf-8")))


# ---- compose ----------------------------------------------------------------------------------------------

INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def read_env_file(path):
    values = {}
    if path and Path(path).is_file():
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                values[key.strip()] = value
    return values


def interpolate(value, env):
    if not isinstance(value, str):
        return value

    def one(match):
        name, op, arg = match.group(1), match.group(2), match.group(3)
        current = env.get(name)
        if op in (":-", "-") and (current is None or (op == ":-" and current == "")):
            return arg
        return current if current is not None else ""

    return INTERPOLATION.sub(one, value)


def environment_of(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def exposed(service):
    ports = {int(str(p).split("/")[0]) for p in service.get("expose", [])}
    for p in service.get("ports", []):
        ports.add(int(str(p).rsplit(":", 1)[-1].split("/")[0]))
    return ports


def aliases(services):
    """{name: [service, ...]}: service names and network aliases."""
    result = {}
    for name, service in services.items():
        result.setdefault(name, []).append(name)
        networks = service.get("networks") or {}
        if isinstance(networks, dict):
            for network in networks.values():
                for alias in (network or {}).get("aliases", []):
                    result.setdefault(alias, []).append(name)
    return result


def host_port(value):
    host, _, port = value.rpartition(":")
    return host, int(port)


def check_compose(env_file):
    compose_path = ROOT / "docker-compose.yml"
    raw = compose_path.read_text(encoding="utf-8")
    compose = yaml.safe_load(raw)
    services = compose["services"]
    example = read_env_file(ROOT / ".env.example")
    env = dict(example)
    env.update(read_env_file(env_file))
    names = aliases(services)
    store_vars, gateway_vars = documented_variables()
    read_vars = store_environment()
    routes = health_routes()
    ports, offset = service_ports()
    gateway_ok = render_variables() | entrypoint_variables()

    check(store_vars, "docs/configuration.md: no variable found in its tables")
    check(ports, "Topology.java: no service port found")

    def mode_of(service):
        command = service.get("command") or []
        return command[0] if isinstance(command, list) and command else None

    # the store's long-running services; the one-shot "schema" step runs the same image's schema command
    store_services = {n: s for n, s in services.items() if str(s.get("image", "")).startswith("product-store:")
                      and n != "schema"}
    check(set(mode_of(s) for s in store_services.values()) == set(ports),
          f"compose: the store services' modes {sorted(set(mode_of(s) for s in store_services.values()))} "
          f"are not the four services {sorted(ports)}")

    def served_by(host, mode=None):
        return [s for s in names.get(host, []) if mode is None or mode_of(services[s]) == mode]

    # -- variables of the store processes
    required = {"PROFILE", "SECRET_KEY", "INTERNAL_KEY", "CASSANDRA_HOST", "BACKEND_URL", "CART_SERVICE_URL",
                "ORDER_SERVICE_URL", "USER_SERVICE_URL", "INTERNAL_HOST", "TRUSTED_PROXIES",
                "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME"}
    gateway_service = services.get("nginx", {})
    gateway_ip = interpolate(
        ((gateway_service.get("networks") or {}).get("default") or {}).get("ipv4_address", ""), env)
    peer_modes = {"BACKEND_URL": "catalog", "CART_SERVICE_URL": "cart", "ORDER_SERVICE_URL": "order",
                  "USER_SERVICE_URL": "user"}
    for name, service in store_services.items():
        variables = environment_of(service)
        mode = mode_of(service)
        for var in variables:
            check(var in store_vars, f"compose {name}: {var} is not in docs/configuration.md's tables")
            # OTEL_* are the OpenTelemetry SDK's own variables (docs/monitoring.md), read by its autoconfiguration
            check(var in read_vars or var.startswith("OTEL_"),
                  f"compose {name}: {var} is not read by the store (StoreConfig.ENVIRONMENT)")
        missing = required - set(variables)
        check(not missing, f"compose {name}: missing {sorted(missing)}")
        check(variables.get("PROFILE") == "prod", f"compose {name}: PROFILE must be prod")
        check(variables.get("OTEL_SERVICE_NAME") == mode, f"compose {name}: OTEL_SERVICE_NAME should be {mode}")
        check(variables.get("OTEL_TRACES_EXPORTER") == "otlp", f"compose {name}: OTEL_TRACES_EXPORTER should be otlp")
        for var, peer_mode in peer_modes.items():
            reached = set()
            for url in str(variables.get(var, "")).split(","):
                match = re.fullmatch(r"http://([A-Za-z0-9.-]+):(\d+)", url.strip())
                if not check(match, f"compose {name}: {var} has a malformed URL '{url}'"):
                    continue
                host, port = match.group(1), int(match.group(2))
                targets = served_by(host, peer_mode)
                check(targets, f"compose {name}: {var} names {host}, not a {peer_mode} service")
                check(set(targets) == set(names.get(host, [])),
                      f"compose {name}: {var} names {host}, which is not only {peer_mode} services")
                reached.update(targets)
                check(port == ports.get(peer_mode, 0) + offset,
                      f"compose {name}: {var} port {port} is not {peer_mode}'s internal port")
                for target in targets:
                    check(port in exposed(services[target]), f"compose {name}: {var}: {target} does not expose {port}")
            # the store looks every name up again and calls each of its addresses: a name that every replica
            # carries (a network alias) reaches the scaled ones too; a list of fixed names misses them
            replicas = {n for n, s in store_services.items() if mode_of(s) == peer_mode}
            check(reached == replicas,
                  f"compose {name}: {var} reaches {sorted(reached)}, not every {peer_mode} replica {sorted(replicas)}: "
                  f"name a network alias they all carry")
        cassandra_host = variables.get("CASSANDRA_HOST")
        check(cassandra_host in services, f"compose {name}: CASSANDRA_HOST={cassandra_host} is not a service")
        otlp = re.fullmatch(r"http://([A-Za-z0-9.-]+):(\d+)", str(variables.get("OTEL_EXPORTER_OTLP_ENDPOINT")))
        if check(otlp, f"compose {name}: OTEL_EXPORTER_OTLP_ENDPOINT is not http://host:port"):
            host, port = otlp.group(1), int(otlp.group(2))
            check(host in services and port in exposed(services[host]),
                  f"compose {name}: OTEL endpoint {host}:{port} is not an exposed compose port")
        trusted = interpolate(variables.get("TRUSTED_PROXIES", ""), env)
        check(trusted == gateway_ip and gateway_ip,
              f"compose {name}: TRUSTED_PROXIES={trusted} is not the gateway's fixed address {gateway_ip}")
        check(mode in ports, f"compose {name}: command {service.get('command')} is not a service mode")
        check({ports.get(mode), ports.get(mode, 0) + offset} <= exposed(service),
              f"compose {name}: should expose {ports.get(mode)} and {ports.get(mode, 0) + offset}")
        for secret in ("SECRET_KEY", "INTERNAL_KEY", "ADMIN_PASSWORD"):
            if secret in variables:
                check(re.fullmatch(r"\$\{" + secret + r":\?[^}]*\}", str(variables[secret])),
                      f"compose {name}: {secret} must be a required reference ${{{secret}:?...}}, not a value")

    # the schema step reads the store's Cassandra variables
    schema = services.get("schema")
    if check(schema, "compose: no one-shot 'schema' service"):
        for var in environment_of(schema):
            check(var in store_vars, f"compose schema: {var} is not in docs/configuration.md's tables")
        check(schema.get("restart") == "no", "compose schema: a one-shot step needs restart: \"no\"")
        check(schema.get("command") == ["schema"] and str(schema.get("image", "")).startswith("product-store:"),
              "compose schema: must run the store image's schema command")

    # -- the gateway
    nginx_env = environment_of(gateway_service)
    for var in nginx_env:
        check(var in gateway_ok, f"compose nginx: {var} is read neither by nginx/render.sh nor by its entrypoint")
        check(var in gateway_vars or var not in render_variables(),
              f"compose nginx: {var} is missing from docs/configuration.md's gateway table")
    upstream_modes = {"CATALOG_UPSTREAMS": "catalog", "CART_UPSTREAMS": "cart", "ORDER_UPSTREAMS": "order",
                      "USER_UPSTREAMS": "user"}
    for var, mode in upstream_modes.items():
        value = nginx_env.get(var)
        if not check(value, f"compose nginx: {var} is not set"):
            continue
        for server in str(value).split():
            host, port = host_port(server)
            targets = served_by(host, mode)
            check(targets and set(targets) == set(names.get(host, [])),
                  f"compose nginx: {var} names {host}, which is not (only) {mode} services")
            check(port == ports.get(mode), f"compose nginx: {var} port {port} is not {mode}'s public port")
            for target in targets:
                check(port in exposed(services[target]), f"compose nginx: {var}: {target} does not expose {port}")
            # the gateway's upstreams must be up before it starts (names resolve at start)
            fixed = [t for t in targets if not (services[t].get("deploy") or {}).get("replicas") == 0]
            for target in fixed:
                condition = ((gateway_service.get("depends_on") or {}).get(target) or {}).get("condition")
                check(condition == "service_healthy", f"compose nginx: should depend on {target} being healthy")
    for var in ("LOCUST_UPSTREAM", "JAEGER_UPSTREAM"):
        if nginx_env.get(var):
            host, port = host_port(nginx_env[var])
            check(host in services and port in exposed(services[host]),
                  f"compose nginx: {var}={nginx_env[var]} is not an exposed compose port")
    status_port = int(str(nginx_env.get("STATUS_LISTEN", "8081")).rsplit(":", 1)[-1])
    check(str(nginx_env.get("STATUS_LISTEN", "")).rsplit(":", 1)[0] not in ("127.0.0.1", "localhost"),
          "compose nginx: STATUS_LISTEN on loopback: the exporter in another container cannot read it")
    check({int(nginx_env.get("LISTEN", 8080)), status_port} <= exposed(gateway_service),
          "compose nginx: should expose LISTEN and STATUS_LISTEN")
    exporter = services.get("nginx-exporter", {})
    scrape = " ".join(exporter.get("command") or [])
    match = re.search(r"--nginx\.scrape-uri=http://([^:/]+):(\d+)(/\S*)", scrape)
    if check(match, "compose nginx-exporter: no --nginx.scrape-uri=http://host:port/path"):
        check(match.group(1) == "nginx" and int(match.group(2)) == status_port,
              "compose nginx-exporter: must read nginx's STATUS_LISTEN port")
        check(match.group(3) in nginx_locations(), f"compose nginx-exporter: {match.group(3)} is not an nginx location")

    # -- the network: the gateway's fixed address
    ipam = (((compose.get("networks") or {}).get("default") or {}).get("ipam") or {}).get("config") or [{}]
    subnet = interpolate(ipam[0].get("subnet", ""), env)
    ip_range = interpolate(ipam[0].get("ip_range", ""), env)
    try:
        address = ipaddress.ip_address(gateway_ip)
        check(address in ipaddress.ip_network(subnet), f"compose: GATEWAY_IP {gateway_ip} is outside {subnet}")
        check(ip_range and address not in ipaddress.ip_network(ip_range),
              f"compose: GATEWAY_IP {gateway_ip} is inside the dynamic range {ip_range}: another container may take it")
    except ValueError as e:
        check(False, f"compose: network addresses: {e}")

    # -- Prometheus' targets are compose services (or aliases, through dns_sd_configs) and ports; every store
    # replica is scraped, a scalable one through a name it shares, and none twice
    prometheus = load_yaml(ROOT / "observability/prometheus/prometheus.yml")
    scraped = set()
    scrapes = {}  # compose service -> [(job, the name it is scraped under, "static" or "dns")]

    def scraped_by(service_name, job_name, host, kind):
        scraped.add(service_name)
        scrapes.setdefault(service_name, []).append((job_name, host, kind))

    for job in prometheus.get("scrape_configs", []):
        for sd in job.get("dns_sd_configs", []):
            check(sd.get("type", "SRV") == "A" and sd.get("port"),
                  f"prometheus.yml: job {job['job_name']}: dns_sd_configs on compose's DNS needs type A and a port")
            port = sd.get("port")
            for host in sd.get("names", []):
                behind = names.get(host, [])
                if not check(behind,
                             f"prometheus.yml: job {job['job_name']}: {host} is not a compose service or alias"):
                    continue
                modes = {mode_of(services[b]) for b in behind}
                for b in behind:
                    scraped_by(b, job["job_name"], host, "dns")
                    check(port in exposed(services[b]),
                          f"prometheus.yml: job {job['job_name']}: {b} does not expose {port}")
                if set(behind) <= set(store_services):
                    mode = modes.pop() if len(modes) == 1 else None
                    check(mode and port == ports.get(mode),
                          f"prometheus.yml: job {job['job_name']}: {host} is not one service's public port (/metrics)")
                    # the dashboards and rules select on service=<mode>: a dns_sd target has no static labels, so a
                    # relabelling must give it one (from the job's name, or written out)
                    labelled = any(r.get("target_label") == "service" and (
                        (r.get("source_labels") == ["job"] and job["job_name"] == mode)
                        or (not r.get("source_labels") and r.get("replacement") == mode))
                        for r in job.get("relabel_configs", []))
                    check(labelled, f"prometheus.yml: job {job['job_name']}: no relabelling gives its targets "
                                    f"service={mode}")
                    check(any(r.get("target_label") == "instance" and r.get("source_labels") == ["__address__"]
                              for r in job.get("relabel_configs", [])),
                          f"prometheus.yml: job {job['job_name']}: instance should be the address without its port")
        for static in job.get("static_configs", []):
            for target in static.get("targets", []):
                host, port = host_port(target)
                if host == "localhost":
                    continue
                scraped_by(host, job["job_name"], host, "static")
                check(host in services, f"prometheus.yml: job {job['job_name']}: {host} is not a compose service")
                check(host not in services or port in exposed(services[host]),
                      f"prometheus.yml: job {job['job_name']}: {host} does not expose {port}")
                if host in store_services:
                    check(port == ports.get(mode_of(services[host])),
                          f"prometheus.yml: {target} is not {host}'s public port (where /metrics is)")
    for target in ((prometheus.get("alerting") or {}).get("alertmanagers") or [{}])[0].get("static_configs", []):
        for hp in target.get("targets", []):
            host, port = host_port(hp)
            check(host in services and port in exposed(services[host]), f"prometheus.yml: alertmanager {hp}")
    for name, service in store_services.items():
        check(name in scraped, f"compose {name}: not scraped by observability/prometheus/prometheus.yml")
        if (service.get("deploy") or {}).get("replicas") == 0:
            # scaled containers have no name of their own: only a DNS name they share finds each of them
            check(all(kind == "dns" for _, _, kind in scrapes.get(name, [])),
                  f"compose {name}: a scalable service must be scraped through dns_sd_configs on a name it shares "
                  f"(a static target reaches one of its containers)")
    for name, how in scrapes.items():
        check(len(how) == 1, f"compose {name}: scraped twice ({', '.join(f'job {j} as {h}' for j, h, _ in how)}): "
                             f"its series would count double")

    # -- Grafana's datasources reach compose services (Jaeger's API lives under its QUERY_BASE_PATH)
    datasources = load_yaml(ROOT / "observability/grafana/provisioning/datasources/prometheus.yml")
    for source in datasources.get("datasources", []):
        match = re.fullmatch(r"https?://([^:/]+):(\d+)(/.*)?", str(source.get("url", "")))
        if not check(match, f"grafana datasource {source.get('name')}: url {source.get('url')} is not http://host:port"):
            continue
        host, port, path = match.group(1), int(match.group(2)), (match.group(3) or "").rstrip("/")
        check(host in services and port in exposed(services[host]),
              f"grafana datasource {source.get('name')}: {host}:{port} is not an exposed compose port")
        base = str(environment_of(services.get(host, {})).get("QUERY_BASE_PATH", "")).rstrip("/")
        check(path == base, f"grafana datasource {source.get('name')}: url {source.get('url')} should end with "
                            f"{host}'s QUERY_BASE_PATH '{base}' (observability/grafana/provisioning/datasources)")

    # -- health checks and start order
    no_healthcheck = {"schema", "docs", "nginx-exporter"}  # one-shots; an image without a shell
    known_paths = {"prom/prometheus": {"/-/ready", "/-/healthy"}, "prom/alertmanager": {"/-/ready", "/-/healthy"},
                   "grafana/grafana": {"/api/health"}, "jaegertracing/all-in-one": {"/"},
                   "locustio/locust": {"/"}}
    healthcheck_script = (ROOT / "deploy/healthcheck.sh").read_text(encoding="utf-8")
    default_path = re.search(r"path=\$\{2:-(/[^}]*)\}", healthcheck_script)
    check(default_path and default_path.group(1) in routes,
          "deploy/healthcheck.sh: its default path is not one of the store's health routes")
    for name, service in services.items():
        health = service.get("healthcheck")
        if name in no_healthcheck:
            continue
        if not check(health and health.get("test"), f"compose {name}: no health check"):
            continue
        test = health["test"]
        command = " ".join(test[1:]) if isinstance(test, list) else str(test)
        image = str(service.get("image", "")).split(":")[0]
        if name in store_services:
            match = re.search(r"/app/healthcheck\.sh (\d+) (/\S*)", command)
            if check(match, f"compose {name}: health check should be /app/healthcheck.sh PORT PATH"):
                check(match.group(2) in routes, f"compose {name}: health path {match.group(2)} is not a store route")
                check(match.group(2) == "/health/ready", f"compose {name}: health check should ask /health/ready")
                check(int(match.group(1)) == ports.get(mode_of(service)),
                      f"compose {name}: health check port {match.group(1)} is not its public port")
        elif name == "nginx":
            match = re.search(r"(/\S+healthcheck\.sh) (\d+) (/\S*)", command)
            if check(match, f"compose {name}: health check should be healthcheck.sh PORT PATH"):
                check(int(match.group(2)) == status_port, "compose nginx: health check is not on STATUS_LISTEN")
                check(match.group(3) in nginx_locations(), f"compose nginx: {match.group(3)} is not an nginx location")
                mounted = [v for v in service.get("volumes", []) if str(v).split(":")[1] == match.group(1)]
                check(mounted and (ROOT / str(mounted[0]).split(":")[0]).is_file(),
                      f"compose nginx: {match.group(1)} is not mounted from a file of the repository")
        elif name == "cassandra":
            check("cqlsh" in command, "compose cassandra: health check should ask CQL (cqlsh)")
        else:
            match = re.search(r"https?://(?:127\.0\.0\.1|localhost):(\d+)(/[^\s'\"]*)", command)
            if check(match, f"compose {name}: health check has no local URL"):
                check(int(match.group(1)) in exposed(service),
                      f"compose {name}: health check port {match.group(1)} is not exposed")
                check(match.group(2) in known_paths.get(image, {match.group(2)}),
                      f"compose {name}: health path {match.group(2)} is not {image}'s")
    for name, service in services.items():
        for target, spec in (service.get("depends_on") or {}).items():
            condition = (spec or {}).get("condition", "service_started")
            check(target in services, f"compose {name}: depends on unknown {target}")
            if condition == "service_healthy":
                check(target in services and services[target].get("healthcheck"),
                      f"compose {name}: waits for {target} to be healthy, which has no health check")
            if condition == "service_completed_successfully":
                check(target in services and services[target].get("restart") == "no",
                      f"compose {name}: waits for {target} to complete, which is not a one-shot (restart: \"no\")")
    for name in store_services:
        condition = ((services[name].get("depends_on") or {}).get("schema") or {}).get("condition")
        check(condition == "service_completed_successfully", f"compose {name}: must start after the schema step")

    # -- volumes for data, the env file
    volume_targets = {str(v).split(":")[1]: str(v).split(":")[0]
                      for s in services.values() for v in s.get("volumes", [])}
    check(volume_targets.get("/var/lib/cassandra") in (compose.get("volumes") or {}),
          "compose: Cassandra's data is not a named volume")
    check(volume_targets.get("/prometheus") in (compose.get("volumes") or {}),
          "compose: Prometheus' data is not a named volume")
    check("--storage.tsdb.retention.time=15d" in (services.get("prometheus", {}).get("command") or []),
          "compose prometheus: retention must be 15d")
    for source in volume_targets.values():
        if source.startswith("./"):
            check((ROOT / source).exists() or source == "./loadtest",
                  f"compose: mounted {source} does not exist in the repository")
    referenced = set(m.group(1) for m in INTERPOLATION.finditer(raw))
    for var in sorted(referenced):
        required_ref = re.search(r"\$\{" + var + r":\?", raw)
        check(var in example or not required_ref, f".env.example: {var} is required by docker-compose.yml")
        check(var in example, f".env.example: {var} (used by docker-compose.yml) is not listed")
    for var in ("SECRET_KEY", "INTERNAL_KEY"):
        value = example.get(var, "")
        check("CHANGE_ME" in value and len(value.encode()) < 32,
              f".env.example: {var} must be an obvious placeholder under 32 bytes (refused by the store)")
    check(len(example.get("ADMIN_PASSWORD", "x" * 12)) < 12 and "CHANGE_ME" in example.get("ADMIN_PASSWORD", ""),
          ".env.example: ADMIN_PASSWORD must be a placeholder under 12 characters (refused by the store)")
    ignored = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", ".env"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    if ignored != 128:  # 128: not a git work tree (e.g. an exported copy)
        check(ignored == 0, ".gitignore: .env (the real secrets) is not ignored by git: add a line `.env`")

    # -- the image
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    expose = set(int(p) for line in re.findall(r"^EXPOSE (.+)$", dockerfile, re.M) for p in line.split())
    wanted = {8080} | set(ports.values()) | {p + offset for p in ports.values()}
    check(wanted <= expose, f"Dockerfile: EXPOSE misses {sorted(wanted - expose)}")
    check(re.search(r"^HEALTHCHECK .*\n?.*healthcheck\.sh", dockerfile, re.M), "Dockerfile: no HEALTHCHECK")
    entrypoint = re.search(r"^ENTRYPOINT (\[.*\])$", dockerfile, re.M)
    if check(entrypoint, "Dockerfile: no exec-form ENTRYPOINT"):
        args = yaml.safe_load(entrypoint.group(1))
        check(args[0] == "java" and any(a.startswith("-XX:MaxRAMPercentage=") for a in args)
              and args[-2:] == ["-jar", "/app/product-store.jar"],
              "Dockerfile: ENTRYPOINT should be java with -XX:MaxRAMPercentage and -jar /app/product-store.jar")
        # without it the JVM allows as much direct memory as heap: 2 x 70 % of the container's limit
        check(any(a.startswith("-XX:MaxDirectMemorySize=") for a in args),
              "Dockerfile: ENTRYPOINT should cap direct memory (-XX:MaxDirectMemorySize), or it may reach the heap's size")
    check(re.search(r"^CMD \[\"all\"\]$", dockerfile, re.M), "Dockerfile: CMD should be [\"all\"]")
    check("/app/cassandra-lib/" in dockerfile, "Dockerfile: cassandra-lib/ must be copied beside the jar")
    user = re.findall(r"^USER (\S+)$", dockerfile, re.M)
    check(user and not user[-1].startswith(("root", "0")), "Dockerfile: the runtime must run as a non-root user")


# ---- Kubernetes -------------------------------------------------------------------------------------------

def kustomize(directory):
    """Resolves a kustomization like kustomize (without hashes): (objects, {generated ConfigMap: keys}, files)."""
    kustomization = load_yaml(directory / "kustomization.yaml")
    objects, generated, files = [], {}, []
    for resource in kustomization.get("resources", []):
        path = (directory / resource).resolve()
        if path.is_dir():
            sub_objects, sub_generated, sub_files = kustomize(path)
            objects += sub_objects
            generated.update(sub_generated)
            files += sub_files
        elif check(path.is_file(), f"{directory.name}/kustomization.yaml: resource {resource} does not exist"):
            objects += [(path, doc) for doc in load_all(path)]
            files.append(path)
    for generator in kustomization.get("configMapGenerator", []):
        keys = {}
        for literal in generator.get("literals", []):
            key, _, value = literal.partition("=")
            keys[key] = value
        for file in generator.get("files", []):
            key, _, name = file.rpartition("=") if "=" in file else ("", "", file)
            path = directory / name
            check(path.is_file(), f"{directory.name}/kustomization.yaml: {generator['name']}: {name} does not exist")
            keys[key or Path(name).name] = path
        generated[generator["name"]] = keys
    return objects, generated, files


def container_variables(container, config_maps):
    """The variables a container gets: its env entries and the keys of the ConfigMaps it takes whole."""
    names = {e["name"] for e in container.get("env", [])}
    names |= {k for s in container.get("envFrom", []) for k in config_maps.get(
        (s.get("configMapRef") or {}).get("name"), {})}
    return names


def containers_of(workload):
    spec = workload["spec"]["template"]["spec"]
    return spec.get("initContainers", []) + spec.get("containers", [])


def replicas(workload):
    value = workload["spec"].get("replicas", 1)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_k8s(require_models):
    k8s = ROOT / "k8s"
    objects, generated, files = kustomize(k8s)
    store_vars, gateway_vars = documented_variables()
    ports, offset = service_ports()
    routes = health_routes()

    listed = {f.resolve() for f in files}
    for path in sorted(k8s.glob("*.yaml")):
        if path.name in ("kustomization.yaml", "secret.example.yaml"):
            continue
        check(path.resolve() in listed, f"k8s/{path.name} is not listed in k8s/kustomization.yaml")
    check(not any(doc.get("kind") == "Secret" for _, doc in objects),
          "k8s: a Secret is part of the kustomization: secrets must be created outside git")
    example_secrets = {doc["metadata"]["name"]: set((doc.get("stringData") or {}) | (doc.get("data") or {}))
                       for doc in load_all(k8s / "secret.example.yaml") if doc.get("kind") == "Secret"}

    by_kind = {}
    for path, doc in objects:
        by_kind.setdefault(doc["kind"], []).append(doc)
    workloads = by_kind.get("Deployment", []) + by_kind.get("StatefulSet", []) + by_kind.get("Job", [])
    config_maps = dict(generated)
    for doc in by_kind.get("ConfigMap", []):
        config_maps[doc["metadata"]["name"]] = doc.get("data") or {}
    services = {doc["metadata"]["name"]: doc for doc in by_kind.get("Service", [])}

    def workloads_selected(selector):
        return [w for w in workloads if w["kind"] != "Job"
                and matches(selector, w["spec"]["template"]["metadata"].get("labels", {}))]

    def container_ports(workload):
        return {p.get("name"): p["containerPort"] for c in containers_of(workload) for p in c.get("ports", [])}

    def service_port(host, port):
        """The Service named host and its port entry, the workloads behind it."""
        service = services.get(host)
        if not service:
            return None, []
        entry = [p for p in service["spec"].get("ports", []) if p["port"] == port]
        return (entry[0] if entry else None), workloads_selected(service["spec"].get("selector"))

    store_config = config_maps.get("store-config", {})
    gateway_env = config_maps.get("gateway-env", {})
    check(store_config, "k8s: no store-config ConfigMap")
    check(gateway_env, "k8s: no gateway-env ConfigMap")
    for var in store_config:
        check(var in store_vars, f"k8s store-config: {var} is not in docs/configuration.md's tables")
    for var in gateway_env:
        check(var in gateway_vars, f"k8s gateway-env: {var} is not in docs/configuration.md's gateway table")
    check(store_config.get("PROFILE") == "prod", "k8s store-config: PROFILE must be prod")

    for workload in workloads:
        kind, name = workload["kind"], workload["metadata"]["name"]
        where = f"k8s {kind}/{name}"
        template_labels = workload["spec"]["template"]["metadata"].get("labels", {})
        if kind != "Job":
            selector = workload["spec"].get("selector", {}).get("matchLabels", {})
            check(matches(selector, template_labels), f"{where}: selector {selector} does not match its template")
        pod = workload["spec"]["template"]["spec"]
        check(pod.get("securityContext", {}).get("runAsNonRoot") is True, f"{where}: pods must run as non-root")
        for container in containers_of(workload):
            cname = f"{where} container {container['name']}"
            resources = container.get("resources", {})
            for part in ("requests", "limits"):
                check({"cpu", "memory"} <= set(resources.get(part, {})), f"{cname}: no {part} for cpu and memory")
            named_ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
            for probe_name in ("startupProbe", "readinessProbe", "livenessProbe"):
                probe = container.get(probe_name)
                if not probe:
                    continue
                action = probe.get("httpGet") or probe.get("tcpSocket")
                if action:
                    port = action["port"]
                    check(port in named_ports or port in named_ports.values(),
                          f"{cname}: {probe_name} port {port} is not a container port")
            for env in container.get("env", []):
                ref = (env.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    check(ref["name"] in example_secrets,
                          f"{cname}: Secret {ref['name']} is not described in k8s/secret.example.yaml")
                    check(ref["key"] in example_secrets.get(ref["name"], set()),
                          f"{cname}: key {ref['key']} of Secret {ref['name']} is not in k8s/secret.example.yaml")
                    check("value" not in env, f"{cname}: {env['name']} has both a value and a secretKeyRef")
            for source in container.get("envFrom", []):
                ref = (source.get("configMapRef") or {}).get("name")
                if ref:
                    check(ref in config_maps, f"{cname}: ConfigMap {ref} does not exist")
            image = container.get("image", "")
            if image == "product-store" and (container.get("args") or [None])[0] == "schema":
                # the one-shot schema Job: the store's Cassandra variables, no ports, no probes
                check(workload.get("kind") == "Job", f"{cname}: the schema command belongs in a Job")
                for var in container_variables(container, config_maps):
                    check(var in store_vars, f"{cname}: {var} is not in docs/configuration.md's tables")
            elif image == "product-store":
                mode = (container.get("args") or [None])[0]
                if not check(mode in ports, f"{cname}: args {container.get('args')} is not a service mode"):
                    continue
                check(named_ports.get("http") == ports[mode] and named_ports.get("internal") == ports[mode] + offset,
                      f"{cname}: ports http/internal should be {ports[mode]}/{ports[mode] + offset}")
                expected = {"readinessProbe": "/health/ready", "livenessProbe": "/health/live"}
                for probe_name, path in expected.items():
                    probe = (container.get(probe_name) or {}).get("httpGet") or {}
                    check(probe.get("path") == path and path in routes,
                          f"{cname}: {probe_name} should GET {path} (a store health route)")
                    check(probe.get("port") == "http", f"{cname}: {probe_name} should use the public port (http)")
                startup = (container.get("startupProbe") or {}).get("httpGet") or {}
                check(not startup or startup.get("path") in routes, f"{cname}: startupProbe path is not a store route")
                for var in container_variables(container, config_maps):
                    check(var in store_vars, f"{cname}: {var} is not in docs/configuration.md's tables")
                for var in ("SECRET_KEY", "INTERNAL_KEY"):
                    check(var in {e["name"] for e in container.get("env", []) if "valueFrom" in e},
                          f"{cname}: {var} must come from a Secret")
                check(replicas(workload) >= 2, f"{where}: a stateless service needs 2+ replicas")
            if image == "product-store-gateway":
                for probe_name in ("readinessProbe", "livenessProbe"):
                    probe = (container.get(probe_name) or {}).get("httpGet") or {}
                    check(probe.get("path") in nginx_locations(), f"{cname}: {probe_name} path is not an nginx location")
                    check(named_ports.get(probe.get("port")) == int(gateway_env.get("STATUS_LISTEN", "0")
                                                                     .rsplit(":", 1)[-1]),
                          f"{cname}: {probe_name} should use STATUS_LISTEN's port")
                check(named_ports.get("http") == int(gateway_env.get("LISTEN", "0").rsplit(":", 1)[-1]),
                      f"{cname}: port http is not LISTEN")
                check(replicas(workload) >= 2, f"{where}: the gateway needs 2+ replicas")
        for volume in pod.get("volumes", []):
            refs = [volume.get("configMap")] + [s.get("configMap") for s in
                                                (volume.get("projected") or {}).get("sources", [])]
            for ref in filter(None, refs):
                if check(ref["name"] in config_maps, f"{where}: volume ConfigMap {ref['name']} does not exist"):
                    for item in ref.get("items", []):
                        check(item["key"] in config_maps[ref["name"]],
                              f"{where}: ConfigMap {ref['name']} has no key {item['key']}")
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if claim:
                check(claim in {d["metadata"]["name"] for d in by_kind.get("PersistentVolumeClaim", [])},
                      f"{where}: PersistentVolumeClaim {claim} does not exist")
        if kind == "StatefulSet":
            headless = services.get(workload["spec"].get("serviceName"))
            check(headless and headless["spec"].get("clusterIP") == "None"
                  and matches(headless["spec"].get("selector"), template_labels),
                  f"{where}: serviceName must be a headless Service selecting its pods")
            check(workload["spec"].get("volumeClaimTemplates"), f"{where}: no volumeClaimTemplates")
            check(replicas(workload) == 3, f"{where}: Cassandra should have 3 replicas")

    for name, service in services.items():
        selected = workloads_selected(service["spec"].get("selector"))
        if not check(selected, f"k8s Service/{name}: its selector matches no workload"):
            continue
        for entry in service["spec"].get("ports", []):
            target = entry.get("targetPort", entry["port"])
            for workload in selected:
                known = container_ports(workload)
                check(target in known or target in known.values(),
                      f"k8s Service/{name}: targetPort {target} is not a port of {workload['metadata']['name']}")

    budgets = by_kind.get("PodDisruptionBudget", [])
    for budget in budgets:
        selector = budget["spec"]["selector"].get("matchLabels", {})
        check(workloads_selected(selector), f"k8s PodDisruptionBudget/{budget['metadata']['name']}: selects nothing")
    for workload in workloads:
        if workload["kind"] != "Job" and replicas(workload) > 1:
            labels = workload["spec"]["template"]["metadata"].get("labels", {})
            check(any(matches(b["spec"]["selector"].get("matchLabels", {}), labels) for b in budgets),
                  f"k8s {workload['kind']}/{workload['metadata']['name']}: no PodDisruptionBudget")

    # names and ports that must meet
    peer_modes = {"BACKEND_URL": "catalog", "CART_SERVICE_URL": "cart", "ORDER_SERVICE_URL": "order",
                  "USER_SERVICE_URL": "user"}
    for var, mode in peer_modes.items():
        match = re.fullmatch(r"http://([a-z0-9.-]+):(\d+)", store_config.get(var, ""))
        if check(match, f"k8s store-config: {var} should be http://service:port"):
            entry, selected = service_port(match.group(1), int(match.group(2)))
            check(entry and entry.get("targetPort") == "internal" and int(match.group(2)) == ports[mode] + offset,
                  f"k8s store-config: {var} is not the {mode} Service's internal port")
            # a headless Service: the name resolves to every ready pod, and the peers' calls rotate over them
            check(entry and services[match.group(1)]["spec"].get("clusterIP") == "None",
                  f"k8s store-config: {var} should name a headless Service (clusterIP: None), so calls reach every pod")
            check(selected and all(mode in (c.get("args") or []) for w in selected for c in containers_of(w)),
                  f"k8s store-config: {var} does not reach {mode} pods")
    check(store_config.get("CASSANDRA_HOST") in services, "k8s store-config: CASSANDRA_HOST is not a Service")
    upstream_modes = {"CATALOG_UPSTREAMS": "catalog", "CART_UPSTREAMS": "cart", "ORDER_UPSTREAMS": "order",
                      "USER_UPSTREAMS": "user"}
    for var, mode in upstream_modes.items():
        for server in gateway_env.get(var, "").split():
            host, port = host_port(server)
            entry, selected = service_port(host, port)
            check(entry and services[host]["spec"].get("clusterIP") == "None" and port == ports[mode],
                  f"k8s gateway-env: {var}={server} should be a headless Service on {mode}'s public port")
            check(selected and all(mode in (c.get("args") or []) for w in selected for c in containers_of(w)),
                  f"k8s gateway-env: {var} does not reach {mode} pods")
    prometheus_config = generated.get("prometheus-config", {}).get("prometheus.yml")
    if check(prometheus_config, "k8s: no prometheus-config ConfigMap with prometheus.yml"):
        config = load_yaml(prometheus_config)
        for job in config.get("scrape_configs", []):
            for sd in job.get("dns_sd_configs", []):
                for host in sd.get("names", []):
                    entry, selected = service_port(host, sd.get("port"))
                    check(entry and selected, f"k8s prometheus.yml: job {job['job_name']}: {host}:{sd.get('port')} "
                                              "is not a Service port")
        check(config.get("rule_files"), "k8s prometheus.yml: no rule files")

    # the observability ConfigMaps carry every rule file and dashboard
    for rule in sorted((ROOT / "observability/prometheus/rules").glob("*.yml")):
        check(rule.name in generated.get("prometheus-rules", {}),
              f"observability/kustomization.yaml: {rule.name} is not in prometheus-rules")
    dashboards = set()
    for name, keys in generated.items():
        dashboards |= {k for k in keys if k.endswith(".json")}
    for dashboard in sorted((ROOT / "observability/grafana/dashboards").glob("*.json")):
        check(dashboard.name in dashboards, f"observability/kustomization.yaml: {dashboard.name} is not in a ConfigMap")
    grafana = [w for w in workloads if w["metadata"]["name"] == "grafana"]
    if grafana:
        projected = {s["configMap"]["name"] for v in grafana[0]["spec"]["template"]["spec"].get("volumes", [])
                     for s in (v.get("projected") or {}).get("sources", []) if "configMap" in s}
        for name, keys in generated.items():
            if any(k.endswith(".json") for k in keys):
                check(name in projected, f"k8s grafana: dashboard ConfigMap {name} is not mounted")

    # every field is a Kubernetes API field
    docs = [(str(p.relative_to(ROOT)), d) for p, d in objects]
    docs += [("k8s/secret.example.yaml", d) for d in load_all(k8s / "secret.example.yaml")]
    schema_problems = check_schemas(docs, require_models)
    return schema_problems


# ---- Kubernetes API types (python3-kubernetes' models) ----------------------------------------------------

def check_schemas(docs, require_models):
    try:
        from kubernetes import client
    except ImportError:
        message = "python3-kubernetes is not installed: manifests not validated against the API types"
        if require_models:
            check(False, message)
        else:
            print(f"SKIP: {message}")
        return
    models = {}
    for name in dir(client):
        model = getattr(client, name)
        if isinstance(model, type) and hasattr(model, "openapi_types") and hasattr(model, "attribute_map"):
            models[name] = model

    def model_for(api_version, kind):
        # the client names its models V1Deployment, V1PodDisruptionBudget, ... whatever the API group
        version = api_version.rpartition("/")[2]
        return models.get(f"{version[:1].upper()}{version[1:]}{kind}")

    found = []

    def expect(condition, message):
        if not condition:
            found.append(message)
        return condition

    def walk(value, type_name, where):
        if value is None:
            return
        if type_name.startswith("list["):
            if expect(isinstance(value, list), f"{where}: expected a list"):
                for i, item in enumerate(value):
                    walk(item, type_name[5:-1], f"{where}[{i}]")
            return
        if type_name.startswith("dict("):
            if expect(isinstance(value, dict), f"{where}: expected a map"):
                inner = type_name[5:-1].split(", ", 1)[1]
                for key, item in value.items():
                    walk(item, inner, f"{where}.{key}")
            return
        primitive = {"str": (str,), "int": (int,), "bool": (bool,), "float": (int, float), "datetime": (str,),
                     "date": (str,), "object": (str, int, dict, list, bool, float)}
        if type_name in primitive:
            ok = isinstance(value, primitive[type_name]) and not (type_name == "int" and isinstance(value, bool))
            expect(ok, f"{where}: expected {type_name}, got {type(value).__name__} {value!r}")
            return
        model = models.get(type_name)
        if not expect(model, f"{where}: unknown API type {type_name}"):
            return
        if not expect(isinstance(value, dict), f"{where}: expected an object ({type_name})"):
            return
        fields = {json_name: attr for attr, json_name in model.attribute_map.items()}
        for key, item in value.items():
            if expect(key in fields, f"{where}: unknown field '{key}' ({type_name})"):
                walk(item, model.openapi_types[fields[key]], f"{where}.{key}")

    for source, doc in docs:
        model = model_for(doc.get("apiVersion", ""), doc.get("kind", ""))
        where = f"{source}: {doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"
        if check(model, f"{where}: no API model for {doc.get('apiVersion')} {doc.get('kind')}"):
            found.clear()
            walk(doc, model.__name__, where)
            # one check per object: every field known, every value of its type
            check(not found, "; ".join(found))


def millis(value):
    """An nginx time ("500ms", "2s", "1m", "3") or a number of milliseconds, in milliseconds."""
    number, unit = re.fullmatch(r"(\d+)(ms|s|m)?", str(value).strip()).groups()
    return int(number) * {"ms": 1, "s": 1000, "m": 60000, None: 1000}[unit]


def check_drain_outlasts_idle_connections():
    """nginx must drop an idle upstream connection before a stopping service closes it (the service drains first):
    the idle timeout, wherever it is set, below every drain, wherever that is set."""
    render = (ROOT / "nginx/render.sh").read_text(encoding="utf-8")
    idle = [re.search(r"^UPSTREAM_IDLE_TIMEOUT=\$\{UPSTREAM_IDLE_TIMEOUT:-([^}]+)\}", render, re.M).group(1)]
    drains = [load_yaml(ROOT / "conf/application.yaml")["http"]["drain-ms"]]
    for path in [ROOT / "docker-compose.yml", *sorted((ROOT / "k8s").glob("*.yaml"))]:
        text = path.read_text(encoding="utf-8")
        idle += re.findall(r"^\s*-?\s*UPSTREAM_IDLE_TIMEOUT[=:]\s*\"?(\d+(?:ms|s|m)?)", text, re.M)
        drains += re.findall(r"^\s*-?\s*HTTP_DRAIN_MS[=:]\s*\"?(\d+)", text, re.M)
    longest_idle = max(millis(value) for value in idle)
    shortest_drain = min(int(value) for value in drains)
    check(longest_idle < shortest_drain,
          f"nginx keeps idle upstream connections {longest_idle} ms (UPSTREAM_IDLE_TIMEOUT), not less than a service's "
          f"drain, {shortest_drain} ms (HTTP_DRAIN_MS): a stopping service would close connections nginx still uses")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env-file", help="the .env to interpolate docker-compose.yml with (default: .env.example)")
    parser.add_argument("--require-k8s-models", action="store_true",
                        help="fail when python3-kubernetes is missing instead of skipping the schema check")
    args = parser.parse_args()
    for part, run in (("compose", lambda: check_compose(args.env_file)),
                      ("k8s", lambda: check_k8s(args.require_k8s_models)),
                      ("drain", check_drain_outlasts_idle_connections)):
        try:
            run()
        except Exception as e:  # a malformed file: report it, do not hide the other checks
            check(False, f"{part}: could not check ({type(e).__name__}: {e}); is a file malformed?")
    for problem in problems:
        print(f"FAIL {problem}")
    print(f"consistency: {passed} checks passed, {len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
