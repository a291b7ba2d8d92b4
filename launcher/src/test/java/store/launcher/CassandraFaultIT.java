package store.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import store.platform.CassandraSessions;
import store.platform.Cql;
import store.testing.ReliabilityReport;
import store.testing.StoreProcess;

/**
 * The all-in-one store under a steady load of admin writes and checkouts while its Cassandra is first frozen
 * (SIGSTOP), then killed (SIGKILL) and started again on the same data. During: honest answers (503 with Retry-After
 * or 504, never a 500), refused fast once the store knows Cassandra is gone. After: writes work again without
 * restarting the store, every acknowledged product and order is there, and the stock audit balances. The counts
 * go to {@code target/reliability/cassandra-faults.json} (and {@code docs/reliability.md}).
 */
class CassandraFaultIT {
  private static final int CQL_PORT = 9442;
  private static final int HTTP_PORT = 18890;
  private static final String ADMIN = "fault_admin";
  private static final String ADMIN_PASSWORD = "fault-admin-password-1";
  private static final int SHOPPERS = 4;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<AutoCloseable> started = new ArrayList<>();
  private Path workDir;

  /** One answered (or failed) request of the load. */
  private record Sample(String phase, String kind, int status, long millis, boolean retryAfter) {
  }

  @AfterEach
  void stopEverything() throws Exception {
    Collections.reverse(started);
    for (AutoCloseable c : started) {
      c.close();
    }
    if (workDir != null && !Boolean.getBoolean("keep.it.dirs")) {
      try (var paths = Files.walk(workDir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private EmbeddedCassandra node() throws Exception {
    EmbeddedCassandra node = new EmbeddedCassandra(Path.of(System.getProperty("cassandra.lib")).toAbsolutePath(),
        workDir.resolve("cassandra"), CQL_PORT, "512M", line -> System.out.println("[fault-cassandra] " + line))
        .start(Duration.ofMinutes(3));
    started.add(node);
    return node;
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
    return http.send(request.timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static HttpRequest.Builder request(String path, String token) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + HTTP_PORT + path));
    return token == null ? builder : builder.header("Authorization", "Bearer " + token);
  }

  private static HttpRequest.BodyPublisher json(JsonObject body) {
    return HttpRequest.BodyPublishers.ofString(body.encode());
  }

  private String login(String username, String password) throws Exception {
    HttpResponse<String> token = send(request("/user-api/token", null).header("Content-Type",
        "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("username=" + username
        + "&password=" + password)));
    assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
    return new JsonObject(token.body()).getString("access_token");
  }

  @Test
  void aFrozenThenKilledCassandraGetsHonestAnswersAndLosesNoAcknowledgedWrite() throws Exception {
    assertThat(EmbeddedCassandra.answers("127.0.0.1", CQL_PORT)).as("port %d is free", CQL_PORT).isFalse();
    workDir = Files.createTempDirectory("store-fault-it");
    EmbeddedCassandra node = node();
    StoreProcess store = new StoreProcess("all", HTTP_PORT, Map.of(
        "CASSANDRA_HOST", "127.0.0.1", "CASSANDRA_PORT", Integer.toString(CQL_PORT),
        "SECRET_KEY", "fault-it-secret-0123456789abcdef0123", "ADMIN_USERNAME", ADMIN,
        "ADMIN_PASSWORD", ADMIN_PASSWORD, "SAMPLE_DATA", "false", "DEMO_USERS", "false",
        "ORDER_PROCESSING_DELAY_MS", "600000",
        // the books are audited once the repair pass has recorded what the failed checkouts committed
        "ORDER_INTENT_GRACE_MS", "10000"), workDir.resolve("store"));
    started.add(store);
    store.start();
    store.awaitReady(Duration.ofMinutes(3));
    long storePid = store.pid();

    String admin = login(ADMIN, ADMIN_PASSWORD);
    HttpResponse<String> created = send(request("/api/products/", admin).header("Content-Type", "application/json")
        .POST(json(new JsonObject().put("name", "Staple").put("category", "fault-staples").put("price", 2.5)
            .put("stock_count", 100_000))));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String staple = new JsonObject(created.body()).getString("product_id");
    List<String> shoppers = new ArrayList<>();
    for (int i = 0; i < SHOPPERS; i++) {
      String name = "fault_shopper_" + i;
      HttpResponse<String> registered = send(request("/user-api/users/register", null)
          .header("Content-Type", "application/json").POST(json(new JsonObject().put("username", name)
              .put("full_name", "Fault Shopper").put("phone", "+100200300").put("password", "fault-shopper-pw"))));
      assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
      shoppers.add(login(name, "fault-shopper-pw"));
    }

    // ---- the load: one admin writing products, shoppers adding to their carts and checking out ----
    AtomicReference<String> phase = new AtomicReference<>("healthy");
    ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> productsAcknowledged = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String[]> ordersAcknowledged = new ConcurrentLinkedQueue<>(); // [order id, token]
    List<Thread> load = new ArrayList<>();
    load.add(started(() -> loop(phase, () -> {
      HttpResponse<String> r = timed(samples, phase, "create-product", request("/api/products/", admin)
          .header("Content-Type", "application/json").POST(json(new JsonObject().put("name", "Item " + UUID.randomUUID())
              .put("category", "fault-items").put("price", 1).put("stock_count", 5))));
      if (r != null && r.statusCode() == 201) {
        productsAcknowledged.add(new JsonObject(r.body()).getString("product_id"));
      }
    })));
    for (String shopper : shoppers) {
      load.add(started(() -> loop(phase, () -> {
        timed(samples, phase, "add-to-cart", request("/cart-api/cart/items", shopper)
            .header("Content-Type", "application/json")
            .POST(json(new JsonObject().put("product_id", staple).put("quantity", 1))));
        HttpResponse<String> r = timed(samples, phase, "checkout", request("/cart-api/cart/checkout", shopper)
            .POST(HttpRequest.BodyPublishers.noBody()));
        if (r != null && r.statusCode() == 200) {
          ordersAcknowledged.add(new String[] {new JsonObject(r.body()).getString("id"), shopper});
        }
      })));
    }

    Thread.sleep(5_000);
    phase.set("frozen");
    signal("STOP", node.pid());
    Thread.sleep(15_000);
    signal("CONT", node.pid());
    phase.set("after-freeze");
    long thawed = System.nanoTime();
    double freezeRecovery = awaitWrite(samples, "after-freeze", thawed);
    Thread.sleep(3_000);

    phase.set("killed");
    signal("KILL", node.pid());
    Thread.sleep(10_000);
    started.remove(node);
    EmbeddedCassandra restarted = node();
    phase.set("after-restart");
    long nodeBack = System.nanoTime();
    double killRecovery = awaitWrite(samples, "after-restart", nodeBack);
    Thread.sleep(3_000);
    phase.set("stop");
    for (Thread t : load) {
      t.join(60_000);
    }
    assertThat(store.isAlive()).as("the store was never restarted").isTrue();
    assertThat(store.pid()).isEqualTo(storePid);

    // ---- every acknowledged write is there ----
    int productsPresent = 0;
    List<String> lost = new ArrayList<>();
    for (String id : productsAcknowledged) {
      boolean present = answer(request("/api/products/" + id, admin)) == 200;
      productsPresent += present ? 1 : 0;
      if (!present) {
        lost.add(id);
      }
    }
    int ordersPresent = 0;
    for (String[] order : ordersAcknowledged) {
      boolean present = answer(request("/order-api/orders/" + order[0], order[1])) == 200;
      ordersPresent += present ? 1 : 0;
      if (!present) {
        lost.add(order[0]);
      }
    }

    // ---- the books balance (orders committed by a failed checkout are recorded by the repair pass) ----
    Vertx vertx = Vertx.vertx();
    JsonObject audit;
    try {
      Cql cql = new Cql(Main.await(CassandraSessions.open(vertx, new JsonObject().put("cassandra",
          new JsonObject().put("host", "127.0.0.1").put("port", CQL_PORT)))), new SimpleMeterRegistry());
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      do {
        audit = Main.await(StockCheck.run(cql));
        if (!audit.getBoolean("ok")) {
          Thread.sleep(5_000);
        }
      } while (!audit.getBoolean("ok") && System.nanoTime() < deadline);
    } finally {
      vertx.close();
    }

    JsonObject report = report(samples, productsAcknowledged.size(), productsPresent, ordersAcknowledged.size(),
        ordersPresent, freezeRecovery, killRecovery, audit).put("lost", lost.size());
    ReliabilityReport.write("cassandra-faults", report);

    assertThat(report.getInteger("internal_errors")).as("500 answers").isZero();
    assertThat(report.getInteger("other_5xx")).as("5xx other than 503/504").isZero();
    assertThat(report.getInteger("503_without_retry_after")).isZero();
    JsonObject frozen = report.getJsonObject("phases").getJsonObject("frozen");
    assertThat(frozen.getInteger("503")).as("refusals while frozen").isPositive();
    assertThat(frozen.getLong("p50_failure_ms")).as("a refusal is fast once the store knows").isLessThan(1_000);
    assertThat(report.getJsonObject("phases").getJsonObject("killed").getInteger("503")).isPositive();
    // the node acknowledges a write only once its commit log is synced (group mode): a SIGKILL loses none
    assertThat(lost).as("acknowledged writes missing after the node's SIGKILL and restart").isEmpty();
    assertThat(productsAcknowledged.size()).as("writes acknowledged at all").isPositive();
    assertThat(ordersAcknowledged.size()).isPositive();
    assertThat(audit.getJsonArray("violations")).as("stock invariant: %s", audit.encodePrettily()).isEmpty();
    assertThat(restarted.pid()).isPositive();
  }

  /** A definite answer (200 or 404) to a GET, asked again while the store is still refusing (503). */
  private int answer(HttpRequest.Builder request) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    int status;
    do {
      status = send(request.GET()).statusCode();
      if (status == 503) {
        Thread.sleep(200);
      }
    } while (status == 503 && System.nanoTime() < deadline);
    return status;
  }

  private static Thread started(Runnable work) {
    Thread thread = new Thread(work, "fault-load");
    thread.start();
    return thread;
  }

  private static void loop(AtomicReference<String> phase, Runnable step) {
    while (!"stop".equals(phase.get())) {
      step.run();
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private HttpResponse<String> timed(ConcurrentLinkedQueue<Sample> samples, AtomicReference<String> phase, String kind,
      HttpRequest.Builder request) {
    String during = phase.get();
    long start = System.nanoTime();
    try {
      HttpResponse<String> r = send(request);
      samples.add(new Sample(during, kind, r.statusCode(), (System.nanoTime() - start) / 1_000_000,
          r.headers().firstValue("Retry-After").isPresent()));
      return r;
    } catch (Exception e) { // no answer at all (client timeout): counted as such
      samples.add(new Sample(during, kind, 0, (System.nanoTime() - start) / 1_000_000, false));
      return null;
    }
  }

  /** Seconds from {@code since} until a write of the given phase succeeds. */
  private static double awaitWrite(ConcurrentLinkedQueue<Sample> samples, String phase, long since)
      throws InterruptedException {
    long deadline = since + Duration.ofSeconds(180).toNanos();
    while (System.nanoTime() < deadline) {
      if (samples.stream().anyMatch(s -> s.phase().equals(phase) && !s.kind().equals("add-to-cart")
          && s.status() >= 200 && s.status() < 300)) {
        return Math.round((System.nanoTime() - since) / 1e8) / 10.0;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no write succeeded within 180 s in phase " + phase);
  }

  private static void signal(String signal, long pid) throws Exception {
    assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor()).isZero();
  }

  private static JsonObject report(ConcurrentLinkedQueue<Sample> samples, int productsAcknowledged,
      int productsPresent, int ordersAcknowledged, int ordersPresent, double freezeRecovery, double killRecovery,
      JsonObject audit) {
    JsonObject phases = new JsonObject();
    for (String phase : List.of("healthy", "frozen", "after-freeze", "killed", "after-restart")) {
      List<Sample> of = samples.stream().filter(s -> s.phase().equals(phase)).toList();
      List<Long> failures = of.stream().filter(s -> s.status() >= 500 || s.status() == 0).map(Sample::millis)
          .sorted().toList();
      phases.put(phase, new JsonObject().put("requests", of.size())
          .put("2xx", of.stream().filter(s -> s.status() >= 200 && s.status() < 300).count())
          .put("4xx", of.stream().filter(s -> s.status() >= 400 && s.status() < 500).count())
          .put("503", (int) of.stream().filter(s -> s.status() == 503).count())
          .put("504", of.stream().filter(s -> s.status() == 504).count())
          .put("no_answer", of.stream().filter(s -> s.status() == 0).count())
          .put("p50_failure_ms", failures.isEmpty() ? 0L : failures.get(failures.size() / 2))
          .put("max_failure_ms", failures.isEmpty() ? 0L : failures.get(failures.size() - 1)));
    }
    return new JsonObject().put("requests", samples.size())
        .put("internal_errors", (int) samples.stream().filter(s -> s.status() == 500).count())
        .put("other_5xx", (int) samples.stream().filter(s -> s.status() > 500 && s.status() != 503
            && s.status() != 504).count())
        .put("503_without_retry_after", (int) samples.stream().filter(s -> s.status() == 503 && !s.retryAfter())
            .count())
        .put("phases", phases)
        .put("products_acknowledged", productsAcknowledged).put("products_present", productsPresent)
        .put("orders_acknowledged", ordersAcknowledged).put("orders_present", ordersPresent)
        .put("seconds_to_first_write_after_thaw", freezeRecovery)
        .put("seconds_to_first_write_after_node_restart", killRecovery)
        .put("invariant_violations", audit.getJsonArray("violations", new JsonArray()).size())
        .put("reservations", audit.getJsonObject("reservations"));
  }
}
