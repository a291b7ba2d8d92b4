package store.flow;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import store.platform.Caller;
import store.testing.HostileRun;
import store.testing.ShoppingScenario;
import store.testing.StoreApi;
import store.testing.StoreApi.Response;
import store.testing.StoreProcess;
import store.testing.TestStore;
import store.testing.TestZipkin;

/**
 * Four processes of the fat jar, one service each, talking HTTP (WebClient + circuit breaker) — the same flow as
 * {@link ShoppingFlowTest}, then faults: a service down, a crash in the middle of an order's lifecycle.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SplitTopologyIT {
  private static final Map<String, Integer> PORTS = new LinkedHashMap<>();

  static {
    // start order: the catalog first (others ask it for products), the order service last (its lifecycle notifies
    // the user service as soon as it starts)
    PORTS.put("catalog", 18100);
    PORTS.put("user", 18103);
    PORTS.put("cart", 18101);
    PORTS.put("order", 18102);
  }
  private static final Map<String, StoreProcess> processes = new HashMap<>();
  private static Vertx vertx;
  private static StoreApi api;
  private static String admin;

  @BeforeAll
  static void startFourProcesses() throws Exception {
    TestStore.cassandra();
    Map<String, String> env = new HashMap<>();
    env.put("SECRET_KEY", TestStore.SECRET);
    env.put("INTERNAL_KEY", TestStore.INTERNAL_KEY);
    env.put("PROFILE", "dev"); // demo users on a laptop-style split run
    env.put("CASSANDRA_HOST", "127.0.0.1");
    env.put("CASSANDRA_PORT", Integer.toString(TestStore.CASSANDRA_PORT));
    env.put("BACKEND_URL", "http://127.0.0.1:" + (PORTS.get("catalog") + 1000)); // its internal listener
    env.put("CART_SERVICE_URL", "http://127.0.0.1:" + (PORTS.get("cart") + 1000)); // its internal listener
    env.put("ORDER_SERVICE_URL", "http://127.0.0.1:" + (PORTS.get("order") + 1000)); // its internal listener
    env.put("USER_SERVICE_URL", "http://127.0.0.1:" + (PORTS.get("user") + 1000)); // its internal listener
    env.put("DEMO_USERS", "true");
    env.put("SAMPLE_DATA", "false");
    env.put("HTTP_INSTANCES", "1");
    env.put("ORDER_PROCESSING_DELAY_MS", "5000"); // an order stays cancellable by its owner long enough
    env.put("ORDER_SHIPPING_DELAY_MS", "300");
    env.put("ORDER_DELIVERY_MIN_MS", "300");
    env.put("ORDER_DELIVERY_MAX_MS", "500");
    env.put("ORDER_POLL_MS", "100");
    env.put("CLIENT_TIMEOUT_MS", "3000"); // the default: four JVMs, Cassandra and Zipkin share two cores
    env.put("CHECKOUT_LEASE_SECONDS", "10"); // a claim held by a killed cart is free again after this
    env.put("CLIENT_RETRIES", "1");
    env.put("BREAKER_MAX_FAILURES", "3");
    env.put("BREAKER_RESET_MS", "5000");
    env.putAll(TestZipkin.start()); // every process traced into one real Zipkin
    Path work = Path.of("target", "split-it").toAbsolutePath();
    for (var service : PORTS.entrySet()) {
      processes.put(service.getKey(), new StoreProcess(service.getKey(), service.getValue(), env,
          work.resolve(service.getKey())).start());
    }
    vertx = Vertx.vertx();
    api = StoreApi.split(vertx, PORTS);
    admin = api.login("swagger_admin", "admin123");
  }

  @AfterAll
  static void stopAll() throws Exception {
    for (StoreProcess p : processes.values()) {
      p.close();
    }
    if (vertx != null) {
      vertx.close();
    }
  }

  private static String user() {
    return TestStore.token("split_" + UUID.randomUUID().toString().substring(0, 8), false);
  }

  @Test
  @Order(1)
  void theSeedsSequenceWorksEndToEndOverHttp() {
    ShoppingScenario.run(api);
  }

  @Test
  @Order(2)
  void oneCheckoutIsOneTraceAcrossTheFourProcessesAndCassandra() {
    Path work = Path.of("target", "split-it").toAbsolutePath();
    File[] logs = PORTS.keySet().stream().map(s -> work.resolve(s).resolve(s + ".log").toFile())
        .toArray(File[]::new);
    List<JsonObject> spans = TestZipkin.checkoutTrace(api, admin, logs);
    // user → cart → catalog → order (and back to user with the notification), each its own Zipkin service
    assertThat(TestZipkin.serviceNames(spans)).contains("user", "cart", "catalog", "order");
    assertThat(spans).anyMatch(s -> "CLIENT".equals(s.getString("kind"))
        && "user".equals(s.getJsonObject("localEndpoint").getString("serviceName"))
        && String.valueOf(TestZipkin.tag(s, "url.full")).contains("/internal/"));
    // and each of those services wrote the trace id beside its own access-log line for the request
    String traceId = spans.get(0).getString("traceId");
    for (String service : List.of("user", "cart", "catalog", "order")) {
      StoreApi.eventually(Duration.ofSeconds(5), () -> read(work.resolve(service).resolve(service + ".log")),
          text -> text.contains("trace=" + traceId));
      assertThat(read(work.resolve(service).resolve(service + ".log"))).as(service + "'s access log")
          .contains("trace=" + traceId);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (java.io.IOException e) {
      return "";
    }
  }

  @Test
  @Order(2)
  void internalRoutesRefuseClientsEvenWithIdentityHeaders() {
    JsonObject body = new JsonObject().put("reservation_id", "x").put("lines", new JsonArray());
    // the public port has no internal routes at all
    Response response = api.post("catalog", "/internal/reserve", TestStore.token("swagger_admin", true), body);
    assertThat(response.status()).isEqualTo(404);
    // the internal listener refuses a user's token, and a forged identity header grants nothing
    StoreApi internal = StoreApi.split(vertx, Map.of("catalog", PORTS.get("catalog") + 1000));
    Response direct = internal.send(io.vertx.core.http.HttpMethod.POST, "catalog", "/internal/reserve",
        TestStore.token("swagger_admin", true), body, io.vertx.core.MultiMap.caseInsensitiveMultiMap()
            .add("X-User-ID", "swagger_admin").add("X-Internal-Credential", TestStore.token("swagger_admin", true)));
    assertThat(direct.status()).as(direct.toString()).isEqualTo(401);
    assertThat(direct.contentType()).startsWith("application/problem+json");
  }

  @Test
  @Order(2)
  void anInternalCredentialOpensItsOwnOperationFromItsOwnCallerOnly() throws Exception {
    String buyer = "scope_" + UUID.randomUUID().toString().substring(0, 8);
    Caller caller = new Caller(buyer, false);
    String productId = api.createProduct(admin, "scope-" + UUID.randomUUID(), "Scoped", 7, 5);
    JsonObject reserve = new JsonObject().put("reservation_id", "scope-" + UUID.randomUUID())
        .put("lines", new JsonArray().add(new JsonObject().put("product_id", productId).put("quantity", 1)));
    // a credential captured from a product look-up cannot reserve stock
    Response wrongOperation = internalCall("catalog", "reserve",
        TestStore.auth().issueInternalCredential("cart", "catalog", "get-product", caller), reserve);
    assertThat(wrongOperation.status()).as(wrongOperation.toString()).isEqualTo(401);
    // nor can one meant for another service
    Response wrongService = internalCall("catalog", "reserve",
        TestStore.auth().issueInternalCredential("cart", "order", "reserve", caller), reserve);
    assertThat(wrongService.status()).as(wrongService.toString()).isEqualTo(401);
    // the user service never reserves stock: its credential for it is refused by the operation's caller list
    Response wrongCaller = internalCall("catalog", "reserve",
        TestStore.auth().issueInternalCredential("user", "catalog", "reserve", caller), reserve);
    assertThat(wrongCaller.status()).as(wrongCaller.toString()).isEqualTo(403);
    // nor does the cart any more: its checkout has the order service reserve and commit in one move
    Response cartReserves = internalCall("catalog", "reserve",
        TestStore.auth().issueInternalCredential("cart", "catalog", "reserve", caller), reserve);
    assertThat(cartReserves.status()).as(cartReserves.toString()).isEqualTo(403);
    assertThat(api.stock(admin, productId)).isEqualTo(5);

    // the order service takes its lines and prices from the catalog's reservation, not from the caller
    UUID orderId = UUID.randomUUID();
    Response priced = internalCall("order", "create",
        TestStore.auth().issueInternalCredential("cart", "order", "create", caller),
        new JsonObject().put("order_id", orderId.toString()).put("reservation_id", "order:" + orderId)
            .put("items", new JsonArray().add(new JsonObject().put("product_id", productId).put("name", "Scoped")
                .put("price", 0.01).put("quantity", 5))));
    assertThat(priced.status()).as(priced.toString()).isEqualTo(404);
    assertThat(api.get("order", "/orders/" + orderId, admin).status()).isEqualTo(404);
  }

  private Response internalCall(String service, String operation, String credential, JsonObject body) {
    StoreApi internal = StoreApi.split(vertx, Map.of(service, PORTS.get(service) + 1000));
    return internal.send(io.vertx.core.http.HttpMethod.POST, service, "/internal/" + operation, null, body,
        io.vertx.core.MultiMap.caseInsensitiveMultiMap().add("X-Internal-Credential", credential));
  }

  @Test
  @Order(2)
  void aCheckoutsRequestIdReachesTheAccessLogOfEveryServiceOverHttp() throws Exception {
    String productId = api.createProduct(admin, "rid-" + UUID.randomUUID(), "Traced Mug", 3, 5);
    String shopper = api.registerAndLogin("rid_" + UUID.randomUUID().toString().substring(0, 8), "rid-password");
    assertThat(api.addToCart(shopper, productId, 1).status()).isEqualTo(200);
    String rid = "gw-" + UUID.randomUUID();
    Response order = api.send(io.vertx.core.http.HttpMethod.POST, "user", "/users/me/orders", shopper, null,
        io.vertx.core.MultiMap.caseInsensitiveMultiMap().add("X-Request-ID", rid));
    assertThat(order.status()).as(order.toString()).isEqualTo(200);
    Path work = Path.of("target", "split-it").toAbsolutePath();
    for (String service : List.of("user", "cart", "catalog", "order")) {
      Path log = work.resolve(service).resolve(service + ".log");
      boolean found = StoreApi.eventually(Duration.ofSeconds(5), () -> {
        try {
          return Files.readString(log).contains("rid=" + rid);
        } catch (java.io.IOException e) {
          return false;
        }
      }, seen -> seen);
      assertThat(found).as("%s's access log has the request id %s", service, rid).isTrue();
    }
  }

  @Test
  @Order(2)
  void everyRouteRejectsHostileInputOverHttpToo() throws Exception {
    String username = "hostile_" + UUID.randomUUID().toString().substring(0, 8);
    String token = api.registerAndLogin(username, "hostile-password");
    int version = StoreApi.await(TestStore.auth().accounts().state(username)).version();
    String internal = TestStore.auth().issueInternalCredential("cart", "catalog", "get-product",
        new Caller(username, false));
    assertThat(new HostileRun(api, username, token, admin).run(internal, version)).isGreaterThan(500);
  }

  @Test
  @Order(3)
  void orderServiceDownDuringCheckoutLeavesCartAndStockAsTheyWere() throws Exception {
    String productId = api.createProduct(admin, "split-" + UUID.randomUUID(), "Fragile Bowl", 9, 10);
    String alice = user();
    api.addToCart(alice, productId, 4);
    JsonObject cartBefore = api.get("cart", "/cart/", alice).json();

    processes.get("order").stop();
    Response checkout = api.post("cart", "/cart/checkout", alice, null);
    assertThat(checkout.status()).as(checkout.toString()).isEqualTo(503);
    assertThat(checkout.contentType()).startsWith("application/problem+json");
    assertThat(checkout.headers().get("Retry-After")).isNotBlank();
    assertThat(checkout.body().toString()).as("no peer address in the answer")
        .doesNotContain("127.0.0.1").doesNotContain(Integer.toString(PORTS.get("order") + 1000))
        .doesNotContain("Connection refused");
    assertThat(api.get("cart", "/cart/", alice).json()).isEqualTo(cartBefore);
    assertThat(api.stock(admin, productId)).isEqualTo(10);

    // the profile still answers, saying what is missing
    String bob = api.registerAndLogin("bob_" + UUID.randomUUID().toString().substring(0, 6), "bob-password");
    JsonObject profile = api.get("user", "/users/me/profile", bob).json();
    assertThat(profile.getJsonArray("missing")).containsExactly("orders");
    assertThat(profile.getValue("current_cart_total")).isNotNull();

    processes.get("order").start();
    // the cart's circuit towards the order service may still be open: it half-opens after BREAKER_RESET_MS
    Response retried = StoreApi.eventually(Duration.ofSeconds(30), () -> api.post("cart", "/cart/checkout", alice,
        null), r -> r.status() != 503);
    assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
    assertThat(api.stock(admin, productId)).isEqualTo(6);
  }

  @Test
  @Order(4)
  void anOrderContinuesAfterTheOrderServiceCrashesMidLifecycle() throws Exception {
    String productId = api.createProduct(admin, "split-" + UUID.randomUUID(), "Restart Clock", 30, 5);
    String alice = user();
    api.addToCart(alice, productId, 1);
    String orderId = api.post("cart", "/cart/checkout", alice, null).json().getString("id");
    processes.get("order").kill(); // while CREATED: its next step lives only in Cassandra now
    Thread.sleep(2000);
    processes.get("order").start();

    JsonObject delivered = StoreApi.eventually(Duration.ofSeconds(30),
        () -> api.get("order", "/orders/" + orderId, alice).json(), o -> "DELIVERED".equals(o.getString("status")));
    assertThat(delivered.getString("status")).isEqualTo("DELIVERED");
    JsonArray notes = StoreApi.eventually(Duration.ofSeconds(10),
        () -> api.get("user", "/users/me/notifications", alice).array(), a -> a.size() >= 4);
    List<String> statuses = notes.stream().map(n -> ((JsonObject) n).getString("status")).toList();
    assertThat(statuses).containsExactly("CREATED", "PROCESSING", "SHIPPING", "DELIVERED");
  }

  @Test
  @Order(5)
  void notificationsMissedWhileTheUserServiceIsDownArriveLaterInOrder() throws Exception {
    String productId = api.createProduct(admin, "split-" + UUID.randomUUID(), "Patient Parcel", 8, 5);
    String carol = user();
    api.addToCart(carol, productId, 1);
    processes.get("user").stop();
    String orderId = api.post("cart", "/cart/checkout", carol, null).json().getString("id");
    StoreApi.eventually(Duration.ofSeconds(30), () -> api.get("order", "/orders/" + orderId, carol).json(),
        o -> "DELIVERED".equals(o.getString("status")));
    processes.get("user").start();

    JsonArray notes = StoreApi.eventually(Duration.ofSeconds(40),
        () -> api.get("user", "/users/me/notifications", carol).array(), a -> a.size() >= 4);
    assertThat(notes.stream().map(n -> ((JsonObject) n).getString("status")).toList())
        .containsExactly("CREATED", "PROCESSING", "SHIPPING", "DELIVERED");
  }

  @Test
  @Order(6)
  void catalogDownOpensTheCircuitAndViewsServeTheLastKnownCopy() throws Exception {
    String productId = api.createProduct(admin, "split-" + UUID.randomUUID(), "Known Mug", 4.5, 10);
    String alice = user();
    Response view = api.post("cart", "/products/" + productId + "/view", alice, null);
    assertThat(view.json().getJsonObject("product").getBoolean("stale")).isFalse();
    String bob = user();
    api.addToCart(bob, productId, 3);
    String bobsOrder = api.post("cart", "/cart/checkout", bob, null).json().getString("id");
    assertThat(api.stock(admin, productId)).isEqualTo(7);

    processes.get("catalog").stop();
    Response last = null;
    for (int i = 0; i < 6; i++) {
      last = api.addToCart(alice, productId, 1);
      assertThat(last.status()).as(last.toString()).isEqualTo(503);
    }
    assertThat(last.json().getString("detail")).doesNotContain("127.0.0.1");
    String cartMetrics = api.get("cart", "/metrics", null).body().toString();
    assertThat(cartMetrics.lines().filter(l -> l.startsWith("circuit_breaker_state{") && l.contains("target=\"catalog\"")))
        .as("the cart's circuit towards the catalog is open (2)").anyMatch(l -> l.endsWith(" 2.0"));

    Response stale = api.post("cart", "/products/" + productId + "/view", alice, null);
    assertThat(stale.status()).as(stale.toString()).isEqualTo(200);
    assertThat(stale.json().getJsonObject("product").getString("name")).isEqualTo("Known Mug");
    assertThat(stale.json().getJsonObject("product").getBoolean("stale")).isTrue();
    assertThat(api.get("cart", "/products/recent-views", alice).array().getJsonObject(0).getString("product_id"))
        .isEqualTo(productId);

    // cancelling while the catalog is down succeeds; the stock comes back once the catalog does
    Response cancelled = api.put("order", "/orders/" + bobsOrder + "/cancel", bob, null);
    assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
    assertThat(cancelled.json().getString("status")).isEqualTo("CANCELLED");
    processes.get("catalog").start();
    int stock = StoreApi.eventually(Duration.ofSeconds(30), () -> api.stock(admin, productId), s -> s == 10);
    assertThat(stock).isEqualTo(10);
  }

  /**
   * The order service SIGKILLed three times while six shoppers check out four times each, every checkout retried
   * with its Idempotency-Key until it answers 200 (as a client told "503, retry" does): every checkout ends in
   * exactly one order, no shopper has an order nobody asked for, and the stock is exactly what the orders took.
   */
  @Test
  @Order(7)
  void orderServiceKilledMidCheckoutRepeatedlyLosesNoOrderAndDuplicatesNone() throws Exception {
    checkoutsSurviveKillsOf("order");
  }

  /**
   * The same with the cart service, which runs the checkout itself, holds the key's claim and the cart's lock, and
   * is the shoppers' own endpoint: while it is down they get no answer at all; a claim it held when killed is free
   * again after its lease (10 s here) and the retry resumes where the killed try stopped.
   */
  @Test
  @Order(8)
  void cartServiceKilledMidCheckoutRepeatedlyLosesNoOrderAndDuplicatesNone() throws Exception {
    checkoutsSurviveKillsOf("cart");
  }

  private void checkoutsSurviveKillsOf(String service) throws Exception {
    int shoppers = 6;
    int rounds = 4;
    int stock = 30;
    String productId = api.createProduct(admin, "crash-" + UUID.randomUUID(), "Sturdy Jar", 2, stock);
    String run = UUID.randomUUID().toString().substring(0, 6);
    Map<String, List<String>> ordered = new java.util.concurrent.ConcurrentHashMap<>();
    List<String> problems = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    java.util.concurrent.atomic.AtomicInteger retries = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(shoppers + 1);
    List<java.util.concurrent.Future<?>> work = new java.util.ArrayList<>();
    for (int s = 0; s < shoppers; s++) {
      String name = "crash_" + run + "_" + s;
      work.add(pool.submit(() -> {
        String token = TestStore.token(name, false);
        for (int r = 0; r < rounds; r++) {
          // "503, retry" or no answer at all (the cart itself down) means "not done": only those adds are retried,
          // with the add's own Idempotency-Key, so one that was made before its answer was lost is not made twice
          io.vertx.core.MultiMap addKey = io.vertx.core.MultiMap.caseInsensitiveMultiMap()
              .add("Idempotency-Key", name + "-add-" + r);
          Response added = untilAnswered(Duration.ofSeconds(60), () -> api.send(io.vertx.core.http.HttpMethod.POST,
              "cart", "/cart/items", token, new JsonObject().put("product_id", productId).put("quantity", 1), addKey),
              a -> a.status() != 503);
          if (added == null || added.status() != 200) {
            problems.add(name + " add: " + added);
            return;
          }
          String key = name + "-" + r;
          Response checkout = untilAnswered(Duration.ofSeconds(90), () -> api.send(io.vertx.core.http.HttpMethod.POST,
              "cart", "/cart/checkout", token, null, io.vertx.core.MultiMap.caseInsensitiveMultiMap()
                  .add("Idempotency-Key", key)), c -> {
                if (c.status() != 200) {
                  retries.incrementAndGet();
                }
                return c.status() == 200;
              });
          if (checkout == null || checkout.status() != 200) {
            problems.add(name + " checkout " + r + ": " + checkout);
            return;
          }
          ordered.computeIfAbsent(token, t -> new java.util.concurrent.CopyOnWriteArrayList<>())
              .add(checkout.json().getString("id"));
        }
      }));
    }
    work.add(pool.submit(() -> {
      for (int kill = 0; kill < 3; kill++) {
        Thread.sleep(700 + 500L * kill);
        processes.get(service).kill();
        processes.get(service).start();
      }
      return null;
    }));
    for (java.util.concurrent.Future<?> f : work) {
      f.get(5, java.util.concurrent.TimeUnit.MINUTES);
    }
    pool.shutdown();
    assertThat(problems).as("checkouts that never succeeded").isEmpty();
    int orders = 0;
    int unitsOrdered = 0;
    java.util.Set<String> orderIds = new java.util.HashSet<>();
    for (var shopper : ordered.entrySet()) {
      List<String> mine = api.get("order", "/orders/?history=true", shopper.getKey()).array().stream()
          .map(o -> ((JsonObject) o).getString("id")).toList();
      assertThat(mine).as("one order per checkout, none other").containsExactlyInAnyOrderElementsOf(shopper.getValue());
      orders += mine.size();
      orderIds.addAll(mine);
      for (String id : mine) {
        unitsOrdered += api.get("order", "/orders/" + id, shopper.getKey()).json().getJsonArray("items").stream()
            .mapToInt(i -> ((JsonObject) i).getInteger("quantity")).sum();
      }
    }
    assertThat(orders).isEqualTo(shoppers * rounds);
    assertThat(unitsOrdered).as("one unit per order: an add retried with its key was made once").isEqualTo(orders);
    assertThat(api.stock(admin, productId)).as("exactly what the orders took").isEqualTo(stock - unitsOrdered);
    List<Object> violations = StoreApi.await(store.launcher.StockCheck.run(TestStore.cql())).getJsonArray("violations")
        .stream().filter(v -> productId.equals(((JsonObject) v).getString("product_id"))
            || orderIds.contains(((JsonObject) v).getString("order_id"))
            || orderIds.stream().anyMatch(id -> String.valueOf(((JsonObject) v).getString("reservation_id"))
                .contains(id)))
        .toList();
    assertThat(violations).as("the stock invariant, for this product and these orders").isEmpty();
    System.out.printf("%s service killed 3 times: %d checkouts, %d retried answers, %d orders, %d units, "
        + "stock %d -> %d, invariant violations %d%n", service, shoppers * rounds, retries.get(), orders,
        unitsOrdered, stock, api.stock(admin, productId), violations.size());
  }

  /**
   * Asks until {@code done} holds or the time is up, 300 ms apart; a request that gets no answer at all (the
   * process is down) is asked again too. Null when nothing ever answered.
   */
  private static Response untilAnswered(Duration timeout, java.util.function.Supplier<Response> request,
      java.util.function.Predicate<Response> done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Response last = null;
    while (System.nanoTime() < deadline) {
      try {
        last = request.get();
        if (done.test(last)) {
          return last;
        }
      } catch (RuntimeException | AssertionError noAnswer) { // StoreApi's "request failed"
        // connection refused or reset: the process is down or going down
      }
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return last;
      }
    }
    return last;
  }
}
