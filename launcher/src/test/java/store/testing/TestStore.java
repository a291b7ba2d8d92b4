package store.testing;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import store.launcher.EmbeddedCassandra;
import store.launcher.Main;
import store.platform.Accounts;
import store.platform.Auth;
import store.platform.CassandraSessions;
import store.platform.Cql;
import store.platform.SchemaVersions;

/**
 * One real Cassandra node and one all-in-one store per test JVM, started on first use through the launcher's own
 * {@link EmbeddedCassandra} and {@link Main#start}, and stopped when the JVM ends.
 *
 * <p>Tests share them, so each test works in its own category / with its own usernames.
 */
public final class TestStore {
  public static final int CASSANDRA_PORT = Integer.getInteger("test.cassandra.port", 9142);
  public static final int HTTP_PORT = Integer.getInteger("test.http.port", 18080);
  public static final String SECRET = "test-secret-key-0123456789abcdef";
  public static final String INTERNAL_KEY = "test-internal-key-0123456789abcdef";

  /** Settings of the in-process store (read by StoreConfig as system properties named like the env variables). */
  public static final Map<String, String> SETTINGS = Map.ofEntries(
      Map.entry("SECRET_KEY", SECRET),
      Map.entry("INTERNAL_KEY", INTERNAL_KEY),
      Map.entry("TRUSTED_PROXIES", "127.0.0.1"),
      Map.entry("DOCS_SITE_DIR", "target/test-docs-site"), // tests play the gateway: X-Real-IP names the client
      Map.entry("PROFILES_DIR", "target/test-profiles"),
      Map.entry("HTTP_PORT", Integer.toString(HTTP_PORT)),
      Map.entry("CASSANDRA_HOST", "127.0.0.1"),
      Map.entry("CASSANDRA_PORT", Integer.toString(CASSANDRA_PORT)),
      Map.entry("SAMPLE_DATA", "false"),
      Map.entry("DEMO_USERS", "true"),
      Map.entry("BCRYPT_COST", "10"),
      Map.entry("CLIENT_TIMEOUT_MS", "3000"),
      Map.entry("ORDER_PROCESSING_DELAY_MS", "1500"),
      Map.entry("ORDER_SHIPPING_DELAY_MS", "1000"),
      Map.entry("ORDER_DELIVERY_MIN_MS", "300"),
      Map.entry("ORDER_DELIVERY_MAX_MS", "500"),
      Map.entry("ORDER_RETENTION_MS", "2000"),
      Map.entry("ORDER_POLL_MS", "100"));

  private static EmbeddedCassandra node;
  private static Main.Running store;
  private static Auth auth;
  private static Cql cql;
  private static io.vertx.cassandra.CassandraClient client;

  private TestStore() {
  }

  /** Where the test node's JMX exporter agent serves Cassandra's metrics. */
  public static synchronized int cassandraMetricsPort() throws Exception {
    cassandra();
    return node.metricsPort();
  }

  /** Starts (once) the test Cassandra node. */
  public static synchronized void cassandra() throws Exception {
    if (node != null) {
      return;
    }
    node = new EmbeddedCassandra(EmbeddedCassandra.locateLibDir(Main.class), Path.of("target", "test-cassandra"),
        CASSANDRA_PORT, "512M", line -> System.out.println("[test-cassandra] " + line))
        .start(Duration.ofMinutes(3));
    Runtime.getRuntime().addShutdownHook(new Thread(node::close));
  }

  /** Starts (once) the all-in-one store in this JVM; returns its base URL. */
  public static synchronized String start() throws Exception {
    cassandra();
    if (store == null) {
      SETTINGS.forEach(System::setProperty);
      store = Main.start("all");
    }
    return "http://127.0.0.1:" + HTTP_PORT;
  }

  /** The running store's own Vert.x (its event bus carries the services' internal operations); starts it if needed. */
  public static synchronized Vertx vertx() throws Exception {
    start();
    return store.vertx();
  }

  /**
   * A valid user token, as the user service would issue it, for an account whose stored role is {@code admin}
   * (the account's state row is written as an operator's grant would write it; no user row is needed to call the
   * catalog, cart or order services). Works for the in-process store and for fat-jar processes on the test node.
   */
  public static synchronized String token(String username, boolean admin) {
    try {
      Accounts accounts = auth().accounts();
      Accounts.State state = await(accounts.ensure(username, admin).compose(current -> current.admin() == admin
          ? Future.succeededFuture(current) : accounts.revokeTokens(username, admin)));
      return auth.issueUserToken(username, state);
    } catch (Exception e) {
      throw new IllegalStateException("could not issue a test token for " + username, e);
    }
  }

  /** The store's token authorities, on their own Cassandra session to the test node. */
  public static synchronized Auth auth() throws Exception {
    if (auth == null) {
      cassandra();
      Vertx vertx = Vertx.vertx();
      JsonObject config = new JsonObject().put("cassandra", new JsonObject().put("host", "127.0.0.1")
          .put("port", CASSANDRA_PORT));
      client = await(CassandraSessions.open(vertx, config));
      cql = new Cql(client, new SimpleMeterRegistry());
      Accounts accounts = new Accounts(cql, 0);
      await(SchemaVersions.ensure(vertx, cql, List.of(Accounts.SCHEMA), "test-fixture"));
      auth = new Auth(vertx, SECRET, INTERNAL_KEY, 30, accounts);
    }
    return auth;
  }

  /** The driver session behind {@link #cql()}. */
  public static synchronized io.vertx.cassandra.CassandraClient cassandraClient() throws Exception {
    auth();
    return client;
  }

  /** A CQL session on the test node's {@code store} keyspace, for setting up what only a crash could leave behind. */
  public static synchronized Cql cql() throws Exception {
    auth();
    return cql;
  }

  public static String bearer(String username, boolean admin) {
    return "Bearer " + token(username, admin);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** Skips the test without these programs, except in CI, where their absence is a failure. */
  public static void requirePrograms(String debianPackages, Path... programs) {
    if (java.util.Arrays.stream(programs).allMatch(java.nio.file.Files::isExecutable)) {
      return;
    }
    org.assertj.core.api.Assertions.assertThat(System.getenv("CI"))
        .as("CI must install %s (apt-get install %s)", debianPackages, debianPackages).isNotEqualTo("true");
    org.junit.jupiter.api.Assumptions.abort("SKIP: not installed: apt-get install " + debianPackages);
  }

  public static Path fatJar() {
    return Path.of("target", "product-store.jar").toAbsolutePath();
  }

  /**
   * Whether a running process has the file mapped (Linux's /proc): how a test tells a class archive the JVM uses from
   * one it was pointed at but refused, which it does silently.
   */
  public static boolean maps(ProcessHandle process, Path file) throws IOException {
    return Files.readString(Path.of("/proc", Long.toString(process.pid()), "maps"))
        .contains(file.toRealPath().toString());
  }
}
