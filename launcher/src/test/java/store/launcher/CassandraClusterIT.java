package store.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.servererrors.QueryConsistencyException;
import com.datastax.oss.driver.api.core.servererrors.UnavailableException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import store.platform.CassandraSessions;
import store.platform.Cql;
import store.testing.StoreApi;
import store.testing.StoreApi.Response;
import store.testing.ReliabilityReport;
import store.testing.StoreProcess;

/**
 * The cluster profile on a real three-node Cassandra (127.0.0.1-3, NetworkTopologyStrategy RF 3, LOCAL_QUORUM,
 * LOCAL_SERIAL): the all-in-one store under a steady shopping load while 30 shoppers race for the last 10 units
 * of a product, and one node is SIGKILLed as the race starts. No request fails (a 503 "retry" is retried by the
 * client, as told, and counted), exactly 10 orders win, nothing acknowledged is lost, the node rejoins (reads at
 * consistency ALL answer again) and the stock invariant holds. Counts go to
 * {@code target/reliability/cassandra-cluster.json} (and {@code docs/reliability.md}).
 */
class CassandraClusterIT {
  private static final int CQL_PORT = 9542;
  private static final int HTTP_PORT = 18892;
  private static final int RACERS = 30;
  private static final int UNITS = 10;
  private static final int SHOPPERS = 3;
  private static final String ADMIN = "cluster_admin";
  private static final String ADMIN_PASSWORD = "cluster-admin-password-1";
  private final List<AutoCloseable> started = new ArrayList<>();
  private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
  private final AtomicReference<String> phase = new AtomicReference<>("healthy");
  private Vertx vertx;
  private Path workDir;

  /** One answer (or no answer: status 0) to one attempt of a request. */
  private record Sample(String phase, String kind, int status, boolean finalAnswer) {
  }

  @AfterEach
  void stopEverything() throws Exception {
    java.util.Collections.reverse(started);
    for (AutoCloseable c : started) {
      c.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (workDir != null && !Boolean.getBoolean("keep.it.dirs")) {
      try (var paths = Files.walk(workDir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void aNodeKilledDuringCheckoutsFailsNoRequestAndLosesNothing() throws Exception {
    for (int n = 1; n <= 3; n++) {
      assertThat(EmbeddedCassandra.answers("127.0.0." + n, CQL_PORT)).as("port %d of 127.0.0.%d is free", CQL_PORT, n)
          .isFalse();
    }
    workDir = Files.createTempDirectory("store-cluster-it");
    EmbeddedCluster cluster = new EmbeddedCluster(Path.of(System.getProperty("cassandra.lib")).toAbsolutePath(),
        workDir.resolve("cassandra"), 3, CQL_PORT, "256M", line -> System.out.println("[cluster] " + line));
    started.add(cluster);
    long clusterStart = System.nanoTime();
    cluster.start(Duration.ofMinutes(4));
    System.out.printf("[cluster] three nodes up in %d ms%n", (System.nanoTime() - clusterStart) / 1_000_000);
    StoreProcess store = new StoreProcess("all", HTTP_PORT, Map.ofEntries(
        Map.entry("CASSANDRA_HOST", cluster.contactPoints()), Map.entry("CASSANDRA_PORT", Integer.toString(CQL_PORT)),
        Map.entry("CASSANDRA_REPLICATION", "NetworkTopologyStrategy"), Map.entry("CASSANDRA_REPLICATION_FACTOR", "3"),
        Map.entry("CASSANDRA_CONSISTENCY", "LOCAL_QUORUM"), Map.entry("CASSANDRA_SERIAL_CONSISTENCY", "LOCAL_SERIAL"),
        Map.entry("SECRET_KEY", "cluster-it-secret-0123456789abcdef0123"), Map.entry("ADMIN_USERNAME", ADMIN),
        Map.entry("ADMIN_PASSWORD", ADMIN_PASSWORD), Map.entry("SAMPLE_DATA", "false"),
        Map.entry("DEMO_USERS", "false")), workDir.resolve("store"));
    started.add(store);
    store.start();
    store.awaitReady(Duration.ofMinutes(3));

    vertx = Vertx.vertx();
    Cql all = new Cql(Main.await(CassandraSessions.open(vertx, new JsonObject().put("cassandra", new JsonObject()
        .put("host", cluster.contactPoints()).put("port", CQL_PORT).put("consistency", "ALL")))),
        new SimpleMeterRegistry());
    String replication = Main.await(all.one("test.keyspace", "SELECT replication FROM system_schema.keyspaces "
        + "WHERE keyspace_name = 'store'")).getMap("replication", String.class, String.class).toString();
    assertThat(replication).as("the keyspace as the cluster profile makes it")
        .contains("NetworkTopologyStrategy").contains("datacenter1=3");

    StoreApi api = StoreApi.allInOne(vertx, "http://127.0.0.1:" + HTTP_PORT);
    String admin = api.login(ADMIN, ADMIN_PASSWORD);
    String run = UUID.randomUUID().toString().substring(0, 6);
    String scarce = api.createProduct(admin, "cluster-" + run, "Last Few", 9.5, UNITS);
    String staple = api.createProduct(admin, "cluster-" + run, "Staple", 1.5, 100_000);
    List<String> racers = new ArrayList<>();
    for (int i = 0; i < RACERS; i++) {
      String token = api.registerAndLogin("racer_" + run + "_" + i, "racer-password-" + i);
      assertThat(api.addToCart(token, scarce, 1).status()).isEqualTo(200);
      racers.add(token);
    }
    List<String> shoppers = new ArrayList<>();
    for (int i = 0; i < SHOPPERS; i++) {
      shoppers.add(api.registerAndLogin("steady_" + run + "_" + i, "steady-password-" + i));
    }

    // ---- steady load: products written and read, shoppers adding and checking out, until "stop" ----
    ConcurrentLinkedQueue<String> products = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String[]> orders = new ConcurrentLinkedQueue<>(); // [order id, owner's token]
    ExecutorService pool = Executors.newFixedThreadPool(SHOPPERS + 2 + RACERS);
    List<java.util.concurrent.Future<?>> load = new ArrayList<>();
    load.add(pool.submit(() -> loop(() -> {
      Response created = call("create-product", () -> api.post("catalog", "/products/", admin, new JsonObject()
          .put("name", "Item " + UUID.randomUUID()).put("category", "cluster-items-" + run).put("price", 1)
          .put("stock_count", 5)));
      if (created.status() == 201) {
        products.add(created.json().getString("product_id"));
      }
      call("list-products", () -> api.get("catalog", "/products/?category=cluster-items-" + run + "&limit=20",
          admin));
    })));
    for (int s = 0; s < SHOPPERS; s++) {
      String token = shoppers.get(s);
      String name = "steady-" + s;
      int[] round = {0};
      load.add(pool.submit(() -> loop(() -> {
        call("add-to-cart", () -> api.addToCart(token, staple, 1));
        String key = name + "-" + round[0]++;
        Response checkout = call("checkout", () -> api.send(HttpMethod.POST, "cart", "/cart/checkout", token, null,
            MultiMap.caseInsensitiveMultiMap().add("Idempotency-Key", key)));
        if (checkout.status() == 200) {
          orders.add(new String[] {checkout.json().getString("id"), token});
        }
        call("list-orders", () -> api.get("order", "/orders/", token));
      })));
    }
    Thread.sleep(5_000);

    // ---- the race, and node 3 killed as it starts ----
    CountDownLatch go = new CountDownLatch(1);
    List<java.util.concurrent.Future<Response>> race = new ArrayList<>();
    for (int i = 0; i < RACERS; i++) {
      String token = racers.get(i);
      String key = "race-" + i;
      race.add(pool.submit(() -> {
        go.await();
        return call("race-checkout", () -> api.send(HttpMethod.POST, "cart", "/cart/checkout", token, null,
            MultiMap.caseInsensitiveMultiMap().add("Idempotency-Key", key)));
      }));
    }
    phase.set("node-down");
    go.countDown();
    Thread.sleep(150);
    cluster.node(2).kill();
    long killed = System.nanoTime();
    List<Response> raced = new ArrayList<>();
    for (var r : race) {
      raced.add(r.get(3, TimeUnit.MINUTES));
    }
    Thread.sleep(Math.max(0, 15_000 - (System.nanoTime() - killed) / 1_000_000));

    // ---- the node comes back on its data and rejoins ----
    phase.set("rejoining");
    long restarting = System.nanoTime();
    cluster.node(2).start(Duration.ofMinutes(3));
    double rejoinSeconds = StoreApi.eventually(Duration.ofMinutes(2), () -> {
      try {
        Main.await(all.one("test.all-replicas", "SELECT stock_count FROM store.products WHERE product_id = ?",
            UUID.fromString(scarce)));
        return (System.nanoTime() - restarting) / 1e9;
      } catch (Exception unavailable) { // fewer than three replicas answer yet
        return -1.0;
      }
    }, s -> s > 0);
    assertThat(rejoinSeconds).as("reads at consistency ALL answer again: node 3 rejoined").isPositive();
    phase.set("rejoined");
    Thread.sleep(5_000);
    phase.set("stop");
    for (var f : load) {
      f.get(2, TimeUnit.MINUTES);
    }
    pool.shutdown();

    // ---- the race: exactly the units there were ----
    long won = raced.stream().filter(r -> r.status() == 200).count();
    long refused = raced.stream().filter(r -> r.status() == 409).count();
    String answers = raced.stream().map(r -> r.status() + (r.status() == 200 ? "" : " " + r.body())).toList()
        .toString();
    assertThat(won).as("checkouts that got one of the %d units: %s", UNITS, answers).isEqualTo(UNITS);
    assertThat(refused).as("the others are told the stock is short: %s", answers).isEqualTo(RACERS - UNITS);
    assertThat(api.stock(admin, scarce)).isZero();
    for (int i = 0; i < RACERS; i++) {
      if (raced.get(i).status() == 200) {
        orders.add(new String[] {raced.get(i).json().getString("id"), racers.get(i)});
      }
    }

    // ---- nothing acknowledged is lost: every row read back from all three replicas ----
    int productsPresent = 0;
    for (String id : products) {
      productsPresent += fromAllReplicas(() -> all.one("test.product", "SELECT product_id FROM store.products "
          + "WHERE product_id = ?", UUID.fromString(id))) != null ? 1 : 0;
    }
    int ordersPresent = 0;
    for (String[] order : orders) {
      ordersPresent += api.get("order", "/orders/" + order[0], order[1]).status() == 200 ? 1 : 0;
    }
    JsonObject audit = fromAllReplicas(() -> StockCheck.run(all));

    JsonObject report = report(won, products.size(), productsPresent, orders.size(), ordersPresent, rejoinSeconds,
        audit);
    ReliabilityReport.write("cassandra-cluster", report);

    assertThat(report.getInteger("failed")).as("requests without a definite answer after retrying").isZero();
    assertThat(report.getInteger("internal_errors")).as("500 answers").isZero();
    // the race's checkouts, and the steady load going on beside them for the outage's 15 s: more than one request
    // per steady loop (a count that does not depend on the machine's speed; a slow one made 48 where a fast one makes
    // hundreds)
    assertThat(report.getJsonObject("phases").getJsonObject("node-down").getInteger("requests"))
        .as("load while the node was down").isGreaterThan(RACERS + SHOPPERS + 1);
    assertThat(productsPresent).isEqualTo(products.size());
    assertThat(ordersPresent).isEqualTo(orders.size());
    assertThat(products).isNotEmpty();
    assertThat(orders.size()).isGreaterThan(UNITS);
    assertThat(audit.getJsonArray("violations")).as("stock invariant: %s", audit.encodePrettily()).isEmpty();
  }

  /**
   * A read at consistency ALL after the rejoin, asked again (for up to two minutes) when a replica does not answer in
   * time: the node that has just come back is still replaying hints and compacting, and on a two-core machine one of
   * its reads can miss the 5 s read timeout. What is checked is that the rows are there, not how fast the node is.
   */
  private static <T> T fromAllReplicas(Supplier<io.vertx.core.Future<T>> read) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (true) {
      try {
        return Main.await(read.get());
      } catch (QueryConsistencyException | UnavailableException | DriverTimeoutException slow) {
        if (System.nanoTime() > deadline) {
          throw slow;
        }
        System.out.println("[cluster] a read at ALL asked again: " + slow.getMessage());
        Thread.sleep(1_000);
      }
    }
  }

  /** Runs {@code step} until the phase is "stop". */
  private Void loop(Runnable step) throws InterruptedException {
    while (!"stop".equals(phase.get())) {
      step.run();
      Thread.sleep(20);
    }
    return null;
  }

  /**
   * One request as a well-behaved client makes it: a 503 or 504 ("not done, retry"), a 409 "in progress" (its own
   * earlier attempt, cut short, still holds the key's lease) or no answer is asked again after {@code Retry-After}
   * (at most a second here), for up to a minute; a racer for up to two: an attempt cut short by the kill can hold
   * its key for the whole lease (30 s) after waiting out the driver's timeout (10 s), and its retry may meet the
   * same again while the node is still being marked down. Every attempt is recorded.
   */
  private Response call(String kind, Supplier<Response> request) {
    long deadline = System.nanoTime() + Duration.ofMinutes(kind.equals("race-checkout") ? 2 : 1).toNanos();
    while (true) {
      String during = phase.get();
      Response answer;
      try {
        answer = request.get();
      } catch (RuntimeException noAnswer) {
        answer = null;
      }
      int status = answer == null ? 0 : answer.status();
      boolean inProgress = status == 409 && answer.json().getString("type", "").endsWith("/conflict");
      boolean retry = (status == 0 || status == 503 || status == 504 || inProgress) && System.nanoTime() < deadline;
      samples.add(new Sample(during, kind, status, !retry));
      if (!retry) {
        return answer != null ? answer : new Response(0, null, null, MultiMap.caseInsensitiveMultiMap());
      }
      String retryAfter = answer == null ? null : answer.headers().get("Retry-After");
      try {
        Thread.sleep(retryAfter == null ? 500 : Math.min(1_000, 1_000L * Long.parseLong(retryAfter)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return answer != null ? answer : new Response(0, null, null, MultiMap.caseInsensitiveMultiMap());
      }
    }
  }

  private JsonObject report(long won, int productsAcknowledged, int productsPresent, int ordersAcknowledged,
      int ordersPresent, double rejoinSeconds, JsonObject audit) {
    JsonObject phases = new JsonObject();
    for (String p : List.of("healthy", "node-down", "rejoining", "rejoined")) {
      List<Sample> of = samples.stream().filter(s -> s.phase().equals(p)).toList();
      phases.put(p, new JsonObject().put("requests", (int) of.stream().filter(Sample::finalAnswer).count())
          .put("retried_answers", (int) of.stream().filter(s -> !s.finalAnswer()).count())
          .put("5xx_answers", (int) of.stream().filter(s -> s.status() >= 500).count())
          .put("failed", (int) of.stream().filter(s -> s.finalAnswer() && failed(s)).count()));
    }
    return new JsonObject()
        .put("requests", (int) samples.stream().filter(Sample::finalAnswer).count())
        .put("retried_answers", (int) samples.stream().filter(s -> !s.finalAnswer()).count())
        .put("failed", (int) samples.stream().filter(s -> s.finalAnswer() && failed(s)).count())
        .put("internal_errors", (int) samples.stream().filter(s -> s.status() == 500).count())
        .put("in_progress_answers", (int) samples.stream().filter(s -> s.status() == 409 && !s.finalAnswer()).count())
        .put("race", new JsonObject().put("racers", RACERS).put("units", UNITS).put("orders", won))
        .put("products_acknowledged", productsAcknowledged).put("products_present", productsPresent)
        .put("orders_acknowledged", ordersAcknowledged).put("orders_present", ordersPresent)
        .put("rejoin_seconds", Math.round(rejoinSeconds * 10) / 10.0)
        .put("invariant_violations", audit.getJsonArray("violations").size())
        .put("phases", phases);
  }

  /** A final answer that is not one the request could rightly get (2xx, or 409 for a racer left without stock). */
  private static boolean failed(Sample s) {
    return !(s.status() >= 200 && s.status() < 300 || s.status() == 409 && s.kind().equals("race-checkout"));
  }
}
