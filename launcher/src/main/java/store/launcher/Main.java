package store.launcher;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import store.platform.Auth;
import store.platform.CassandraSessions;
import store.platform.Cql;
import store.platform.HttpVerticle;
import store.platform.Platform;
import store.platform.ServiceModule;
import store.platform.StoreConfig;
import store.platform.transport.CallMetrics;

/** {@code java -jar product-store.jar [all|catalog|cart|order|user]}: see {@link #HELP}. */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  static final String HELP = """
      Product Store — one jar, two topologies.

      Usage: java -jar product-store.jar [MODE]

      Modes:
        (none) | all   every service in one JVM, talking over the event bus; one port (8080) with the gateway
                       prefixes /api, /cart-api, /order-api, /user-api. Dev conveniences on: sample catalog,
                       demo users (swagger_user/password123, swagger_admin/admin123), random SECRET_KEY if unset.
        catalog        the catalog alone on port 8000, routes unprefixed (as behind nginx)
        cart           the cart alone on port 8001
        order          the order service alone on port 8002
        user           the user service alone on port 8003
      In a single-service mode, services talk over HTTP (WebClient + circuit breaker) at the URLs below, and
      SECRET_KEY is required (the same value in every process).

      Environment (all optional unless said):
        CASSANDRA_HOST      Cassandra contact point(s). Unset: an embedded node is started as a child JVM,
                            data under ./data/ (kept across restarts), stopped with the launcher; an already
                            running node on the port is reused.
        CASSANDRA_PORT      CQL port (9042)        CASSANDRA_DATA_DIR   embedded node's data (./data)
        SECRET_KEY          JWT HS256 key           TOKEN_MINUTES        token lifetime (30)
        HTTP_PORT           override the mode's port
        BACKEND_URL, CART_SERVICE_URL, ORDER_SERVICE_URL, USER_SERVICE_URL   split-mode peers
                            (http://127.0.0.1:8000 … 8003)
        SAMPLE_DATA, DEMO_USERS   true/false: the dev catalog and demo users (on in all-in-one mode only)
        ORDER_PROCESSING_DELAY_MS, ORDER_SHIPPING_DELAY_MS, ORDER_DELIVERY_MIN_MS, ORDER_DELIVERY_MAX_MS,
        ORDER_RETENTION_MS  the order lifecycle's timers
      Files: ./conf/application.yaml overrides the defaults packaged in the jar (conf/application.yaml).

      Stop with Ctrl-C or SIGTERM: the servers stop accepting, in-flight requests finish, the Cassandra session
      closes, an embedded node is stopped, and the process exits 0.
      """;

  private Main() {
  }

  public static void main(String[] args) throws Exception {
    String mode = args.length == 0 ? "all" : args[0].toLowerCase();
    if (mode.equals("--help") || mode.equals("-h") || mode.equals("help")) {
      System.out.print(HELP);
      return;
    }
    if (!mode.equals("all") && !Topology.isService(mode)) {
      System.err.println("Unknown mode '" + args[0] + "'.\n\n" + HELP);
      System.exit(2);
    }
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
  public record Running(Vertx vertx, CassandraClient cassandra, EmbeddedCassandra node, int port) {
    public void stop() {
      LOG.info("Stopping: closing servers (in-flight requests finish), then Cassandra");
      try {
        // first the HTTP servers (graceful: in-flight requests finish), then the Cassandra session, then Vert.x
        await(Future.all(vertx.deploymentIDs().stream().map(vertx::undeploy).toList()));
        await(cassandra.close());
        await(vertx.close());
      } catch (Exception e) {
        LOG.warn("Vert.x did not close cleanly: {}", e.toString());
      }
      if (node != null) {
        node.close();
      }
      LOG.info("Stopped");
    }
  }

  public static Running start(String mode) throws Exception {
    MicrometerMetricsOptions metricsOptions = new MicrometerMetricsOptions()
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true).setPublishQuantiles(true))
        .setJvmMetricsEnabled(true)
        .setEnabled(true);
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(metricsOptions))
        .withMetrics(new MicrometerMetricsFactory())
        .build();
    EmbeddedCassandra node = null;
    try {
      JsonObject config = await(StoreConfig.load(vertx));
      applyModeDefaults(mode, config);

      if (StoreConfig.string(config, "cassandra.host", "").isEmpty()) {
        node = new EmbeddedCassandra(EmbeddedCassandra.locateLibDir(Main.class),
            Path.of(StoreConfig.string(config, "cassandra.embedded.data-dir", "data"), "cassandra"),
            StoreConfig.integer(config, "cassandra.port", 9042),
            StoreConfig.string(config, "cassandra.embedded.heap", "512M"),
            line -> LOG.info(line)).start(Duration.ofMinutes(3));
        StoreConfig.put(config, "cassandra.host", "127.0.0.1");
      }
      EmbeddedCassandra startedNode = node != null && node.startedHere() ? node : null;

      CassandraClient cassandra = await(CassandraSessions.open(vertx, config));
      MeterRegistry registry = BackendRegistries.getDefaultNow();
      Auth auth = new Auth(vertx, StoreConfig.string(config, "security.secret-key", null),
          StoreConfig.integer(config, "security.token-minutes", 30));
      Platform platform = new Platform(vertx, config, auth, new Cql(cassandra, registry), registry,
          Topology.channels(mode, vertx, config, auth, new CallMetrics(registry)));

      List<ServiceModule> modules = Topology.modules(mode);
      for (ServiceModule module : modules) {
        await(module.start(platform));
        LOG.info("Service {} started", module.name());
      }
      int port = Topology.port(mode, config);
      boolean allInOne = "all".equals(mode);
      int instances = StoreConfig.integer(config, "http.instances", 2);
      await(vertx.deployVerticle(() -> new HttpVerticle(platform, modules, port, allInOne),
          new DeploymentOptions().setInstances(instances)));
      LOG.info("Product Store ({}) listening on http://localhost:{}{}", mode, port,
          allInOne ? "  — /api /cart-api /order-api /user-api" : "");
      return new Running(vertx, cassandra, startedNode, port);
    } catch (Exception e) {
      vertx.close();
      if (node != null) {
        node.close();
      }
      throw e;
    }
  }

  private static void applyModeDefaults(String mode, JsonObject config) {
    boolean allInOne = "all".equals(mode);
    if (allInOne && !explicitlySet("SAMPLE_DATA")) {
      StoreConfig.put(config, "catalog.sample-data", true);
    }
    if (allInOne && !explicitlySet("DEMO_USERS")) {
      StoreConfig.put(config, "user.demo-users-enabled", true);
    }
    if (StoreConfig.string(config, "security.secret-key", "").isEmpty()) {
      if (!allInOne) {
        throw new IllegalStateException("SECRET_KEY is required when services run in separate processes "
            + "(every process must verify the others' tokens)");
      }
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      StoreConfig.put(config, "security.secret-key", Base64.getEncoder().encodeToString(key));
      LOG.warn("SECRET_KEY not set: using a random key for this run (tokens end with the process)");
    }
  }

  private static boolean explicitlySet(String variable) {
    return System.getenv(variable) != null || System.getProperty(variable) != null;
  }

  static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }
}
