package store.launcher;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.tracing.TracingOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import store.platform.Accounts;
import store.platform.Auth;
import store.platform.CassandraSessions;
import store.platform.Contracts;
import store.platform.Cql;
import store.platform.Drain;
import store.platform.HttpServerMeters;
import store.platform.HttpVerticle;
import store.platform.Platform;
import store.platform.Profiles;
import store.platform.RepeatedGets;
import store.platform.RequestLog;
import store.platform.Schema;
import store.platform.SchemaVersions;
import store.platform.ServiceModule;
import store.platform.StoreConfig;
import store.platform.transport.CallMetrics;

/** {@code java -jar product-store.jar [all|catalog|cart|order|user]}: see {@link #HELP}. */
public final class Main {
  static {
    // Before any name is looked up (the JDK fixes the policy then; logging may look the host up): peers' names are
    // looked up again every client.dns-refresh-ms (PeerAddresses), which the JDK would otherwise answer from its
    // cache for 30 s. An operator's own networkaddress.cache.ttl (java.security) or -Dsun.net.inetaddr.ttl wins.
    if (java.security.Security.getProperty("networkaddress.cache.ttl") == null
        && System.getProperty("sun.net.inetaddr.ttl") == null) {
      java.security.Security.setProperty("networkaddress.cache.ttl", "5");
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  static final String HELP = """
      Product Store — one jar, two topologies.

      Usage: java -jar product-store.jar [MODE]
             java -jar product-store.jar schema | check-stock
             java -jar product-store.jar grant-admin|revoke-admin|delete-user USERNAME
             java -jar product-store.jar load-products COUNT

      Modes:
        (none) | all   every service in one JVM, talking over the event bus; one port (8080) with the gateway
                       prefixes /api, /cart-api, /order-api, /user-api. Dev conveniences on: sample catalog,
                       demo users (swagger_user/password123, swagger_admin/admin123), random SECRET_KEY if unset.
        catalog        the catalog alone on port 8000, routes unprefixed (as behind nginx)
        cart           the cart alone on port 8001
        order          the order service alone on port 8002
        user           the user service alone on port 8003
      In a single-service mode, services talk over HTTP (WebClient + circuit breaker) to each other's internal
      listener (port + 1000, never routed by the gateway); SECRET_KEY and INTERNAL_KEY are required, the same in
      every process.

      Operator commands (they use the same configuration to reach Cassandra, then exit):
        schema             the keyspace and every service's tables, then a wait for schema agreement: run once
                           before the services start on a cluster (they create what is missing otherwise)
        check-stock        the stock invariant: for every product, stock it has had = on the shelf + held by
                           live reservations and by orders not cancelled; every order agrees with its
                           reservation. Prints a JSON report; exit code 1 when anything is off
        grant-admin NAME   make an account admin       revoke-admin NAME   take the role back
        delete-user NAME   remove an account
      Every token issued to that account before the change stops working on its next request.
        load-products N    write N generated products in categories bench-0..bench-9 (for benchmarks)

      Environment (all optional unless said):
        CASSANDRA_HOST      Cassandra contact point(s). Unset: an embedded node is started as a child JVM,
                            data under ./data/ (kept across restarts), stopped with the launcher; an already
                            running node on the port is reused.
        CASSANDRA_PORT      CQL port (9042)        CASSANDRA_DATA_DIR   embedded node's data (./data)
        CASSANDRA_WAIT_SECONDS  how long a service waits for an external Cassandra to answer (120)
        CASSANDRA_USERNAME, CASSANDRA_PASSWORD, CASSANDRA_SSL   an external cluster's credentials and TLS
        CASSANDRA_REPLICATION, CASSANDRA_REPLICATION_FACTOR, CASSANDRA_CONSISTENCY, CASSANDRA_SERIAL_CONSISTENCY
                            a cluster: NetworkTopologyStrategy, 3, LOCAL_QUORUM (LOCAL_SERIAL is the default)
        CASSANDRA_NODES     embedded nodes (1); 3 starts a local cluster on 127.0.0.1-3 (data-dir/cassandra/nodeN)
        STORE_JVM_SIZING    false: without -Xmx, run in this JVM as started rather than in a child JVM sized by the
                            launcher (heap 1/16 of the memory, 128-256 MiB)
        PROFILE             dev | prod (default: dev all-in-one, prod for one service). prod refuses demo users
                            and needs every secret.
        SECRET_KEY          user tokens (HS256), >= 32 bytes: openssl rand -base64 48
        INTERNAL_KEY        service-to-service credentials, >= 32 bytes, not the SECRET_KEY (split mode)
        TOKEN_MINUTES       token lifetime (30)
        ADMIN_USERNAME, ADMIN_PASSWORD   an admin created at first start (password >= 12 characters)
        HTTP_HOST, HTTP_PORT             public listener (dev: 127.0.0.1; prod: 0.0.0.0; port by mode)
        INTERNAL_HOST, INTERNAL_PORT     internal listener (split mode; port + 1000 by default)
        BACKEND_URL, CART_SERVICE_URL, ORDER_SERVICE_URL, USER_SERVICE_URL   split-mode peers' internal
                            listeners (http://127.0.0.1:9000 … 9003); a host name is looked up again every
                            CLIENT_DNS_REFRESH_MS (10000) and calls rotate over all its addresses
        TRUSTED_PROXIES     gateway addresses whose X-Real-IP is the client's (rate limits)
        CORS_ORIGINS        allowed origins (regexes, comma-separated); default localhost
        SAMPLE_DATA, DEMO_USERS   true/false: the dev catalog and demo users (dev, all-in-one by default)
        ORDER_PROCESSING_DELAY_MS, ORDER_SHIPPING_DELAY_MS, ORDER_DELIVERY_MIN_MS, ORDER_DELIVERY_MAX_MS,
        ORDER_RETENTION_MS  the order lifecycle's timers
      Files: ./conf/application.yaml overrides the defaults packaged in the jar (conf/application.yaml).

      Stop with Ctrl-C or SIGTERM: the servers stop accepting, in-flight requests finish, the Cassandra session
      closes, an embedded node is stopped, and the process exits 0.
      """;

  private Main() {
  }

  public static void main(String[] args) throws Exception {
    String mode = JvmSizing.mode(args);
    if (mode.equals("--help") || mode.equals("-h") || mode.equals("help")) {
      System.out.print(HELP);
      return;
    }
    if (mode.equals("schema")) {
      System.exit(SchemaCommand.run());
    }
    if (mode.equals("check-stock")) {
      System.exit(StockCheck.command());
    }
    if (mode.equals("load-products")) {
      System.exit(Operator.loadProducts(args.length > 1 ? args[1] : null));
    }
    if (Operator.COMMANDS.contains(mode)) {
      System.exit(Operator.run(mode, args.length > 1 ? args[1] : null));
    }
    if (!mode.equals("all") && !Topology.isService(mode)) {
      System.err.println("Unknown mode '" + args[0] + "'.\n\n" + HELP);
      System.exit(2);
    }
    // the jar's entry point (Launch) has decided this already; this covers Main started directly (-cp … Main)
    JvmSizing.relaunchIfWanted(args);
    JvmSizing.watchLauncher();
    try {
      Running running = start(mode);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        running.stop();
        Runtime.getRuntime().halt(0); // a SIGTERM'd JVM would otherwise exit 143; a clean stop is a success
      }, "store-shutdown"));
    } catch (Exception e) {
      LOG.error("Start failed: {}", e.getMessage(), e);
      System.exit(1);
    }
  }

  /** A started process: what must be stopped, in order. */
  public record Running(Vertx vertx, CassandraClient cassandra, EmbeddedCluster node, int port, Auth auth,
      OpenTelemetrySdk tracing, Drain drain, long drainMs, String listeners) {
    /** Longer than any request takes: an internal call gives up after a few seconds, a Cassandra statement after 5. */
    private static final long IN_FLIGHT_PATIENCE_MS = 15_000;

    public void stop() {
      LOG.info("Stopping: draining for {} ms, then closing listeners, answering the requests in progress, stopping "
          + "the services, then Cassandra", drainMs);
      long began = System.nanoTime();
      drain.begin();
      try {
        Thread.sleep(drainMs); // answers ask clients to close their connections; readiness says 503
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      // one line for the whole stop, step by step, as for the start: where a slow stop went
      StringBuilder steps = new StringBuilder();
      long[] stepBegan = {began};
      java.util.function.Consumer<String> ended = name -> {
        long now = System.nanoTime();
        steps.append(steps.isEmpty() ? "" : ", ").append(name).append(' ').append(millisBetween(stepBegan[0], now))
            .append(" ms");
        stepBegan[0] = now;
      };
      try {
        // refuse new connections (a gateway sends those elsewhere) and let those just accepted bring their request
        await(drain.stopAccepting(vertx, drainMs));
        ended.accept("drain and listeners");
        // answer the requests in progress while every service's event-bus consumers are still there to call
        await(drain.awaitRequestsInFlight(vertx, IN_FLIGHT_PATIENCE_MS));
        ended.accept("requests in progress");
        // then the background rounds (order timers, sweeps: they call services over the event bus), then the
        // listeners with the services' event-bus consumers, then the Cassandra session, then Vert.x
        await(Future.all(vertx.deploymentIDs().stream().filter(id -> !id.equals(listeners)).map(vertx::undeploy)
            .toList()));
        await(vertx.undeploy(listeners));
        ended.accept("services");
        await(cassandra.close());
        ended.accept("Cassandra session");
        await(vertx.close());
        ended.accept("Vert.x");
      } catch (Exception e) {
        LOG.warn("Vert.x did not close cleanly: {}", e.toString());
        ended.accept("until it failed");
      }
      if (tracing != null) {
        tracing.shutdown().join(10, TimeUnit.SECONDS); // the last spans are exported, not dropped
      }
      ended.accept("traces");
      if (node != null) {
        node.close();
      }
      ended.accept("embedded node");
      RequestLog.flush(); // the access log's last lines
      LOG.info("Stopped in {} ms: {}", millisSince(began), steps);
    }
  }

  public static Running start(String mode) throws Exception {
    SpanCounts spanCounts = new SpanCounts();
    OpenTelemetrySdk tracing = Tracing.fromEnvironment("all".equals(mode) ? "product-store" : mode, spanCounts);
    VertxOptions options = new VertxOptions().setMetricsOptions(HttpServerMeters.options());
    var builder = Vertx.builder().withMetrics(new HttpServerMeters());
    if (tracing != null) {
      // HTTP server and client, event bus and Cassandra spans, one trace across services (W3C trace context)
      options.setTracingOptions(new TracingOptions());
      builder.withTracer(new SampleFirstTracing(tracing));
    }
    Vertx vertx = builder.with(options).build();
    EmbeddedCluster node = null;
    try {
      JsonObject config = await(StoreConfig.load(vertx));
      applyModeDefaults(mode, config);
      List<ServiceModule> modules = Topology.modules(mode);
      // the contracts are parsed on Vert.x's threads while the node starts, once for every listener instance
      Contracts contracts = new Contracts();
      Future<?> contractsParsed = Future.all(modules.stream().map(module -> contracts.get(vertx, module.name(),
          "all".equals(mode) ? module.prefix() : "", module.prefix())).toList());

      long began = System.nanoTime();
      node = embeddedIfNeeded(config, schemas(modules));
      EmbeddedCluster startedNode = node != null && node.startedHere() ? node : null;
      long nodeUp = System.nanoTime();
      awaitCassandra(config);
      long cassandraAnswered = System.nanoTime();
      CassandraClient cassandra = await(CassandraSessions.open(vertx, config, startedNode != null
          && startedNode.created()));
      long sessionOpen = System.nanoTime();
      MeterRegistry registry = BackendRegistries.getDefaultNow();
      if (tracing != null) {
        spanCounts.bind(registry);
      }
      Cql cql = new Cql(cassandra, registry, vertx);
      Accounts accounts = new Accounts(cql, StoreConfig.longValue(config, "security.account-cache-ms", 1000));
      // once per cluster: DDL only when a fingerprint changed, and then by one process while the others wait; one
      // service in prod leaves that to the schema step and only checks (waiting for it a while)
      boolean migrate = StoreConfig.bool(config, "schema.migrate",
          "all".equals(mode) || "dev".equals(StoreConfig.string(config, "profile", "prod")));
      List<String> changed = migrate
          ? await(SchemaVersions.ensure(vertx, cql, schemas(modules), UUID.randomUUID().toString()))
          : await(SchemaVersions.verify(vertx, cql, schemas(modules),
              StoreConfig.string(config, "cassandra.keyspace", "store"),
              StoreConfig.longValue(config, "schema.wait-seconds", 120) * 1000).map(List.<String>of()));
      long schemaCurrent = System.nanoTime();
      Auth auth = new Auth(vertx, StoreConfig.string(config, "security.secret-key", null),
          StoreConfig.string(config, "security.internal-key", null),
          StoreConfig.integer(config, "security.token-minutes", 30), accounts);
      Drain drain = new Drain();
      Platform platform = new Platform(vertx, config, auth, cql, registry,
          Topology.channels(mode, vertx, config, auth, new CallMetrics(registry)),
          new Profiles(vertx, Path.of(StoreConfig.string(config, "profiles.dir", "data/profiles"))), drain,
          contracts, new RepeatedGets(auth, drain, registry), null);

      // the services start side by side: none calls another before the listeners are up, and their schema and
      // demo data are independent (one after another, a first start spent 3.7 s here instead of 1.5 s)
      long modulesBegan = System.nanoTime();
      List<String> moduleTimes = Collections.synchronizedList(new ArrayList<>());
      await(Future.all(modules.stream().map(module -> module.start(platform.forService(module.name()))
          .onSuccess(v -> moduleTimes.add(module.name() + ' ' + millisSince(modulesBegan) + " ms"))).toList()));
      String phases = ", schema " + millisBetween(sessionOpen, schemaCurrent) + " ms ("
          + (changed.isEmpty() ? "current" : "applied: " + String.join(", ", changed)) + ")"
          + ", services " + millisSince(modulesBegan) + " ms (" + String.join(", ", moduleTimes) + ")";
      int port = Topology.port(mode, config);
      boolean allInOne = "all".equals(mode);
      int internalPort = StoreConfig.integer(config, "internal.port", Topology.internalPort(port));
      int instances = StoreConfig.integer(config, "http.instances", 2);
      long listening = System.nanoTime();
      await(contractsParsed);
      String listeners = await(vertx.deployVerticle(() -> new HttpVerticle(platform, modules, port, internalPort,
          allInOne, Topology.gatewayContracts()), new DeploymentOptions().setInstances(instances)));
      // one line for the whole start-up, phase by phase: where a slow start went
      LOG.info("Started in {} ms: embedded node {} ms, waiting for Cassandra {} ms, session {} ms{}, listeners {} ms",
          millisSince(began), millisBetween(began, nodeUp), millisBetween(nodeUp, cassandraAnswered),
          millisBetween(cassandraAnswered, sessionOpen), phases, millisSince(listening));
      LOG.info("Product Store ({}, {} profile) listening on http://{}:{}{}", mode,
          StoreConfig.string(config, "profile", "prod"), StoreConfig.string(config, "http.host", ""), port,
          allInOne ? "  — /api /cart-api /order-api /user-api /swagger/"
              : "; internal operations on " + StoreConfig.string(config, "internal.host", "") + ":" + internalPort);
      if (tracing != null) {
        LOG.info("Tracing on: exporter {}", Tracing.exporter());
      }
      return new Running(vertx, cassandra, startedNode, port, auth, tracing, platform.drain(),
          StoreConfig.longValue(config, "http.drain-ms", 1000), listeners);
    } catch (Exception e) {
      vertx.close();
      if (tracing != null) {
        tracing.close();
      }
      if (node != null) {
        node.close();
      }
      throw e;
    }
  }

  /** The platform's tables and those of every given service: what {@link SchemaVersions} keeps current. */
  static List<Schema> schemas(List<ServiceModule> modules) {
    List<Schema> schemas = new ArrayList<>();
    schemas.add(Accounts.SCHEMA);
    modules.forEach(module -> schemas.add(module.schema()));
    return schemas;
  }

  /**
   * The profile's defaults and the checks that keep a container from starting with a laptop's conveniences: in prod
   * every secret must be given and strong, demo users and the admin-name rule are refused, and listeners bind to all
   * interfaces; in dev they bind to loopback and a missing SECRET_KEY is replaced by a random one.
   */
  static void applyModeDefaults(String mode, JsonObject config) {
    List<String> unknown = StoreConfig.unknownKeys(config);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("Unknown configuration keys " + unknown + " (in ./conf/application.yaml?): "
          + "docs/configuration.md lists every key");
    }
    boolean allInOne = "all".equals(mode);
    String profile = StoreConfig.string(config, "profile", allInOne ? "dev" : "prod");
    if (!profile.equals("dev") && !profile.equals("prod")) {
      throw new IllegalArgumentException("PROFILE must be dev or prod, not " + profile);
    }
    StoreConfig.put(config, "profile", profile);
    boolean dev = profile.equals("dev");
    if (allInOne && dev && !explicitlySet("SAMPLE_DATA")) {
      StoreConfig.put(config, "catalog.sample-data", true);
    }
    if (allInOne && dev && !explicitlySet("DEMO_USERS")) {
      StoreConfig.put(config, "user.demo-users-enabled", true);
    }
    if (!dev && StoreConfig.bool(config, "user.demo-users-enabled", false)) {
      throw new IllegalStateException("DEMO_USERS is for the dev profile only: its admin password is public");
    }
    if (!dev && StoreConfig.bool(config, "security.admin-prefix-rule", false)) {
      throw new IllegalStateException("ADMIN_PREFIX_RULE is for the dev profile only: anyone could pick an admin_ name");
    }
    String loopbackOrAll = dev ? "127.0.0.1" : "0.0.0.0";
    if (StoreConfig.string(config, "http.host", "").isEmpty()) {
      StoreConfig.put(config, "http.host", loopbackOrAll);
    }
    if (StoreConfig.string(config, "internal.host", "").isEmpty()) {
      StoreConfig.put(config, "internal.host", loopbackOrAll);
    }
    if (StoreConfig.string(config, "security.secret-key", "").isEmpty()) {
      if (!dev) {
        throw new IllegalStateException("SECRET_KEY is required in the prod profile (every process must verify "
            + "the others' tokens). Generate one with: openssl rand -base64 48");
      }
      StoreConfig.put(config, "security.secret-key", randomKey());
      LOG.warn("SECRET_KEY not set: using a random key for this run (tokens end with the process)");
    }
    Auth.requireKey("SECRET_KEY", StoreConfig.string(config, "security.secret-key", ""));
    if (StoreConfig.string(config, "security.internal-key", "").isEmpty()) {
      if (!allInOne) {
        throw new IllegalStateException("INTERNAL_KEY is required when services run in separate processes (it "
            + "signs their calls to each other). Generate one with: openssl rand -base64 48");
      }
      StoreConfig.put(config, "security.internal-key", randomKey()); // the event bus needs none; never shared
    }
    String adminName = StoreConfig.string(config, "user.bootstrap-admin.username", "");
    String adminPassword = StoreConfig.string(config, "user.bootstrap-admin.password", "");
    if (!adminName.isEmpty() && adminPassword.length() < 12) {
      throw new IllegalStateException("ADMIN_PASSWORD must be at least 12 characters when ADMIN_USERNAME is set");
    }
  }

  /**
   * Waits for an external Cassandra to accept connections (a service started before its database, as compose or a
   * laptop may do), with a progress line every 5 s, for at most {@code cassandra.wait-seconds}.
   */
  static void awaitCassandra(JsonObject config) throws InterruptedException {
    String hosts = StoreConfig.string(config, "cassandra.host", "127.0.0.1");
    int port = StoreConfig.integer(config, "cassandra.port", 9042);
    long waitSeconds = StoreConfig.integer(config, "cassandra.wait-seconds", 120);
    long began = System.nanoTime();
    long nextReport = 5;
    while (java.util.Arrays.stream(hosts.split(",")).noneMatch(h -> EmbeddedCassandra.answers(h.trim(), port))) {
      long waited = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - began);
      if (waited >= waitSeconds) {
        throw new IllegalStateException("Cassandra at " + hosts + ":" + port + " did not answer within " + waitSeconds
            + " s (CASSANDRA_WAIT_SECONDS); is it running, and are CASSANDRA_HOST and CASSANDRA_PORT right?");
      }
      if (waited >= nextReport) {
        LOG.info("Waiting for Cassandra at {}:{} ... {} s (up to {} s)", hosts, port, waited, waitSeconds);
        nextReport += 5;
      }
      Thread.sleep(500);
    }
  }

  /**
   * Starts (or re-attaches to) the embedded node when no external Cassandra is configured, or the local cluster of
   * {@code cassandra.embedded.nodes} nodes; null when Cassandra is external. A new single node is handed the
   * keyspace and the tables of {@code schemas} to apply before it opens CQL (one schema change instead of ~30).
   */
  static EmbeddedCluster embeddedIfNeeded(JsonObject config, List<Schema> schemas) throws Exception {
    if (!StoreConfig.string(config, "cassandra.host", "").isEmpty()) {
      return null;
    }
    Path dir = Path.of(StoreConfig.string(config, "cassandra.embedded.data-dir", "data"), "cassandra");
    int nodes = StoreConfig.integer(config, "cassandra.embedded.nodes", 1);
    int port = StoreConfig.integer(config, "cassandra.port", 9042);
    String heap = EmbeddedCassandra.heapFor(StoreConfig.string(config, "cassandra.embedded.heap", "auto"));
    EmbeddedCluster cluster = (nodes == 1
        ? EmbeddedCluster.of(new EmbeddedCassandra(EmbeddedCassandra.locateLibDir(Main.class), dir, port, heap,
            line -> LOG.info(line)))
        : new EmbeddedCluster(EmbeddedCassandra.locateLibDir(Main.class), dir, nodes, port, heap,
            line -> LOG.info(line)))
        .withInitialSchema(SchemaVersions.initialScript(StoreConfig.string(config, "cassandra.keyspace", "store"),
            CassandraSessions.replication(config), schemas));
    cluster.start(Duration.ofMinutes(3));
    StoreConfig.put(config, "cassandra.host", cluster.contactPoints());
    return cluster;
  }

  private static long millisSince(long nanoTime) {
    return millisBetween(nanoTime, System.nanoTime());
  }

  private static long millisBetween(long fromNanos, long toNanos) {
    return TimeUnit.NANOSECONDS.toMillis(toNanos - fromNanos);
  }

  private static String randomKey() {
    byte[] key = new byte[48];
    new SecureRandom().nextBytes(key);
    return Base64.getEncoder().encodeToString(key);
  }

  private static boolean explicitlySet(String variable) {
    return System.getenv(variable) != null || System.getProperty(variable) != null;
  }

  static <T> T await(Future<T> future) throws Exception {
    return await(future, Duration.ofMinutes(5));
  }

  static <T> T await(Future<T> future, Duration patience) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(patience.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }
}
