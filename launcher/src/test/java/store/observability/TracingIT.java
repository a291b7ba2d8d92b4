package store.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import store.testing.StoreApi;
import store.testing.StoreProcess;
import store.testing.TestStore;
import store.testing.TestZipkin;

/**
 * All-in-one mode traced into a real Zipkin: one checkout is one trace, through the event bus to every service and
 * each Cassandra statement (the split topology's traces are checked in SplitTopologyIT).
 */
class TracingIT {
  private static final int PORT = 18720;
  private static final Path WORK = Path.of("target", "tracing-it").toAbsolutePath();
  private static StoreProcess store;
  private static Vertx vertx;

  @BeforeAll
  static void tracedStore() throws Exception {
    TestStore.cassandra();
    Map<String, String> env = new HashMap<>(TestZipkin.start());
    env.put("SECRET_KEY", TestStore.SECRET);
    env.put("CASSANDRA_HOST", "127.0.0.1");
    env.put("CASSANDRA_PORT", Integer.toString(TestStore.CASSANDRA_PORT));
    env.put("CASSANDRA_KEYSPACE", "tracing_it");
    env.put("PROFILE", "dev"); // the demo admin creates the product
    env.put("SAMPLE_DATA", "false");
    store = new StoreProcess(null, PORT, env, WORK).start();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    if (store != null) {
      store.close();
    }
    if (vertx != null) {
      vertx.close();
    }
  }

  @Test
  void oneCheckoutIsOneTraceAcrossTheEventBusAndCassandra() {
    StoreApi api = StoreApi.allInOne(vertx, "http://127.0.0.1:" + PORT);
    List<JsonObject> spans = TestZipkin.checkoutTrace(api, api.login("swagger_admin", "admin123"),
        WORK.resolve("all.log").toFile());
    assertThat(TestZipkin.serviceNames(spans)).containsExactly("product-store");
    // the hops between services are event-bus requests, each a client and a server span in the trace
    Set<String> destinations = spans.stream().map(s -> TestZipkin.tag(s, "messaging.destination.name"))
        .filter(java.util.Objects::nonNull).collect(Collectors.toSet());
    assertThat(destinations).contains("store.cart.internal", "store.catalog.internal", "store.order.internal");
    assertThat(spans).anyMatch(s -> "SERVER".equals(s.getString("kind"))
        && String.valueOf(TestZipkin.tag(s, "http.url")).endsWith("/user-api/users/me/orders"));
  }

  /** An admin's status change is a trace of its own, with the business step and its compare-and-set inside it. */
  @Test
  void aStatusChangeIsATraceWithItsBusinessStep() {
    StoreApi api = StoreApi.allInOne(vertx, "http://127.0.0.1:" + PORT);
    String admin = api.login("swagger_admin", "admin123");
    String suffix = java.util.UUID.randomUUID().toString().substring(0, 8);
    String productId = api.createProduct(admin, "traced-status-" + suffix, "Traced Teapot", 12, 5);
    String shopper = api.registerAndLogin("status_" + suffix, "s3cret-pass");
    StoreApi.Response placed = api.post("order", "/orders/", shopper, new JsonObject().put("items",
        new io.vertx.core.json.JsonArray().add(new JsonObject().put("product_id", productId).put("quantity", 1))));
    assertThat(placed.status()).as(placed.toString()).isEqualTo(200);
    StoreApi.Response moved = api.put("order", "/orders/" + placed.json().getString("id") + "/status?status=PROCESSING",
        admin, null);
    assertThat(moved.status()).as(moved.toString()).isEqualTo(200);
    String traceId = TestZipkin.traceIdOf(moved.headers().get("X-Request-ID"), WORK.resolve("all.log").toFile());
    List<JsonObject> spans = TestZipkin.trace(traceId, found -> TestZipkin.spanNames(found)
        .contains("order.status-change") && found.stream().anyMatch(s -> !s.containsKey("parentId")));
    assertThat(TestZipkin.spanNames(spans)).contains("order.status-change");
    assertThat(spans.stream().map(s -> TestZipkin.tag(s, "db.query.text")))
        .anyMatch(q -> q != null && q.startsWith("UPDATE orders SET status"));
  }

  /** The tracer's own counters (the tracing dashboard's data): spans recorded by kind, and every export a success. */
  @Test
  void theTracerCountsTheSpansItRecordsAndTheExportsZipkinAccepted() {
    StoreApi api = StoreApi.allInOne(vertx, "http://127.0.0.1:" + PORT);
    api.login("swagger_user", "password123");
    StoreApi root = StoreApi.root(vertx, "http://127.0.0.1:" + PORT);
    assertThat(StoreApi.eventually(Duration.ofSeconds(10),
        () -> root.metricSum("root", "tracing_spans_exported_total{", "outcome=\"success\""), v -> v > 0))
        .as("spans Zipkin accepted").isPositive();
    assertThat(root.metricSum("root", "tracing_spans_ended_total{", "kind=\"server\"")).as("server spans").isPositive();
    assertThat(root.metricSum("root", "tracing_spans_ended_total{", "kind=\"client\""))
        .as("Cassandra and event-bus calls").isPositive();
    assertThat(root.metricSum("root", "tracing_spans_exported_total{", "outcome=\"failure\""))
        .as("failed exports").isZero();
  }

  /**
   * The tracing dashboard against the real program: a Prometheus scrapes this traced store while shoppers browse and
   * check out, then every panel of the dashboard must return a series (observability/live-check.sh).
   */
  @Test
  void aRealPrometheusScrapingTheTracedStoreHasDataForEveryPanelOfTheTracingDashboard() throws Exception {
    TestStore.requirePrograms("prometheus", Path.of("/usr/bin/prometheus"));
    Path repo = Path.of("..").toAbsolutePath().normalize();
    Path out = WORK.resolve("live-check");
    Files.createDirectories(out);
    ProcessBuilder check = new ProcessBuilder("bash", repo.resolve("observability/live-check.sh").toString())
        .redirectErrorStream(true).redirectOutput(out.resolve("live-check.log").toFile());
    String target = "127.0.0.1:" + PORT; // all-in-one: one process is all four services
    for (String service : List.of("CATALOG", "CART", "ORDER", "USER")) {
      check.environment().put(service + "_TARGETS", target);
    }
    check.environment().put("DASHBOARDS", "traces");
    check.environment().put("WARMUP_SECONDS", "20");
    StoreApi api = StoreApi.allInOne(vertx, "http://127.0.0.1:" + PORT);
    String admin = api.login("swagger_admin", "admin123");
    String productId = api.createProduct(admin, "traced-live-" + java.util.UUID.randomUUID(), "Lamp", 9.5, 100_000);
    String shopper = api.registerAndLogin("live_" + java.util.UUID.randomUUID().toString().substring(0, 8),
        "s3cret-pass");
    Process live = check.start();
    int rounds = 0;
    while (live.isAlive() && rounds < 2_000) { // traffic until the checks are done, so every rate has samples
      rounds++;
      assertThat(api.get("catalog", "/products/" + productId, shopper).status()).isEqualTo(200);
      assertThat(api.addToCart(shopper, productId, 1).status()).isEqualTo(200);
      if (rounds % 5 == 0) {
        StoreApi.Response placed = api.post("user", "/users/me/orders", shopper, null);
        assertThat(placed.status()).as(placed.toString()).isEqualTo(200);
      }
      Thread.sleep(50);
    }
    assertThat(live.waitFor(3, TimeUnit.MINUTES)).as("live-check finishes").isTrue();
    assertThat(live.exitValue()).as(Files.readString(out.resolve("live-check.log"))).isZero();
  }
}
