package store.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.testing.StoreApi;
import store.testing.StoreApi.Response;
import store.testing.TestStore;

/**
 * The attacks of the security review, each against the all-in-one store on a real Cassandra. Every test here failed
 * on the code before the hardening (see docs/security.md for the table of attacks and where each is stopped).
 */
@ExtendWith(VertxExtension.class)
class SecurityRegressionTest {
  private static String baseUrl;
  private StoreApi api;
  private Vertx vertx;
  private String admin;
  private String category;

  @BeforeAll
  static void store() throws Exception {
    baseUrl = TestStore.start();
  }

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    api = StoreApi.allInOne(vertx, baseUrl);
    admin = TestStore.token("swagger_admin", true);
    category = "sec-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static String name(String prefix) {
    return prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
  }

  private Response login(String username, String password, String address) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (address != null) {
      headers.add("X-Real-IP", address); // the in-process store trusts 127.0.0.1 as its gateway
    }
    return api.send(HttpMethod.POST, "user", "/token", null, MultiMap.caseInsensitiveMultiMap()
        .add("username", username).add("password", password), headers);
  }

  private static void assertProblem(Response response, int status) {
    assertThat(response.status()).as(response.toString()).isEqualTo(status);
    assertThat(response.contentType()).as(response.toString()).startsWith("application/problem+json");
  }

  @Test
  void aNewAccountIsNeverAnAdminWhateverItsNameOrBody() {
    String name = name("admin");
    Response registered = api.post("user", "/users/register", null, new JsonObject().put("username", name)
        .put("full_name", "Mallory").put("phone", "+100200300").put("password", "mallory-pass")
        .put("is_admin", true));
    assertThat(registered.status()).as(registered.toString()).isEqualTo(200);
    assertThat(registered.json().getBoolean("is_admin")).isFalse();
    String token = api.login(name, "mallory-pass");
    Response create = api.post("catalog", "/products/", token, new JsonObject().put("name", "Forged")
        .put("category", category).put("price", 1).put("stock_count", 1));
    assertProblem(create, 403);
    // nor does a token that claims the role: the stored account decides
    String[] parts = token.split("\\.");
    JsonObject claims = new JsonObject(Buffer.buffer(java.util.Base64.getUrlDecoder().decode(parts[1])));
    String forged = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
        claims.put("is_admin", true).encode().getBytes()) + "." + parts[2];
    assertProblem(api.post("catalog", "/products/", forged, new JsonObject().put("name", "Forged")
        .put("category", category).put("price", 1).put("stock_count", 1)), 401);
  }

  @Test
  void aPasswordChangeNeedsTheCurrentPasswordAndRevokesEarlierTokens() {
    String name = name("pw");
    String token = api.registerAndLogin(name, "first-password");
    Response withoutCurrent = api.put("user", "/users/me", token, new JsonObject().put("password", "stolen-token"));
    assertProblem(withoutCurrent, 400);
    assertThat(withoutCurrent.json().getJsonArray("errors").getJsonObject(0).getString("field"))
        .isEqualTo("current_password");
    Response wrongCurrent = api.put("user", "/users/me", token, new JsonObject().put("password", "stolen-token")
        .put("current_password", "a-guess"));
    assertProblem(wrongCurrent, 400);
    assertThat(api.login(name, "first-password")).as("nothing changed").isNotBlank();

    String second = api.login(name, "first-password");
    assertThat(api.put("user", "/users/me", token, new JsonObject().put("password", "second-password")
        .put("current_password", "first-password")).status()).isEqualTo(200);
    assertProblem(api.get("user", "/users/me", token), 401);
    assertProblem(api.get("cart", "/cart/", second), 401);
    assertThat(api.get("user", "/users/me", api.login(name, "second-password")).status()).isEqualTo(200);
  }

  @Test
  void wrongPasswordsAreLimitedWith429WhileALegitimateBurstIsNot() {
    String victim = name("victim");
    api.registerAndLogin(victim, "victim-password");
    List<Integer> statuses = new ArrayList<>();
    Response limited = null;
    String attacker = "198.51.100." + (1 + new java.util.Random().nextInt(250));
    for (int i = 0; i < 25; i++) {
      Response r = login(victim, "guess-" + i, attacker);
      statuses.add(r.status());
      if (r.status() == 429) {
        limited = r;
      }
    }
    assertThat(statuses.subList(0, 20)).containsOnly(401);
    assertThat(statuses.subList(20, 25)).containsOnly(429);
    assertProblem(limited, 429);
    assertThat(Integer.parseInt(limited.headers().get("Retry-After"))).isBetween(1, 60);
    // the account is limited from every address, and even the right password waits: the limit comes before hashing
    assertThat(login(victim, "victim-password", "192.0.2.10").status()).isEqualTo(429);
    // while another user from another address logs in as usual
    String bystander = name("bystander");
    api.registerAndLogin(bystander, "bystander-password");
    assertThat(login(bystander, "bystander-password", "192.0.2.11").status()).isEqualTo(200);
  }

  @Test
  void takenNamesAreLimitedWith429PerAddressAndPerName() {
    String taken = name("taken");
    api.registerAndLogin(taken, "taken-password");
    String prober = "198.51.100." + (1 + new java.util.Random().nextInt(250));
    List<Integer> statuses = new ArrayList<>();
    Response limited = null;
    for (int i = 0; i < 22; i++) {
      Response r = register(taken, prober);
      statuses.add(r.status());
      limited = r.status() == 429 ? r : limited;
    }
    assertThat(statuses.subList(0, 20)).as("a taken name, 20 times").containsOnly(400);
    assertThat(statuses.subList(20, 22)).containsOnly(429);
    assertProblem(limited, 429);
    assertThat(Integer.parseInt(limited.headers().get("Retry-After"))).isBetween(1, 60);
    assertThat(register(name("fresh"), prober).status()).as("the probing address waits").isEqualTo(429);
    assertThat(register(taken, "192.0.2.12").status()).as("the probed name waits, from any address").isEqualTo(429);
    assertThat(register(name("fresh"), "192.0.2.13").status()).as("everyone else registers").isEqualTo(200);
  }

  private Response register(String username, String address) {
    return api.send(HttpMethod.POST, "user", "/users/register", null, new JsonObject().put("username", username)
            .put("full_name", "Someone").put("phone", "+100200300").put("password", "some-password"),
        MultiMap.caseInsensitiveMultiMap().add("X-Real-IP", address));
  }

  @Test
  void thirtyNewUsersRegisteringAndLoggingInFromOneAddressNeverMeetTheLimit(Vertx vertx) {
    // the original system's load test: 30 users at 10/s, each registering then logging in
    List<Future<Integer>> all = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String name = name("burst" + i);
      all.add(api.sendAsync(HttpMethod.POST, "user", "/users/register", null, new JsonObject()
              .put("username", name).put("full_name", "Burst " + name).put("phone", "+100200300")
              .put("password", "burst-password"), MultiMap.caseInsensitiveMultiMap())
          .compose(r -> r.status() != 200 ? Future.succeededFuture(r.status())
              : api.sendAsync(HttpMethod.POST, "user", "/token", null, MultiMap.caseInsensitiveMultiMap()
                  .add("username", name).add("password", "burst-password"), MultiMap.caseInsensitiveMultiMap())
                  .map(Response::status)));
    }
    List<Integer> statuses = all.stream().map(StoreApi::await).toList();
    assertThat(statuses).containsOnly(200);
  }

  @Test
  void theTokenEndpointChecksItsFieldsInsteadOfFailing() {
    String huge = "u".repeat(64 * 1024);
    Response longName = api.post("user", "/token", null, MultiMap.caseInsensitiveMultiMap().add("username", huge)
        .add("password", "whatever"));
    assertProblem(longName, 400);
    assertThat(longName.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("username");
    Response typed = api.post("user", "/token", null, new JsonObject().put("username", 12).put("password", "x"));
    assertProblem(typed, 400);
    Response twice = api.post("user", "/token", null, MultiMap.caseInsensitiveMultiMap()
        .add("username", "swagger_user").add("username", "swagger_admin").add("password", "password123"));
    assertProblem(twice, 400);
  }

  @Test
  void anonymousCallersGet401BeforeAnySchemaDetail() {
    Response invalidBody = api.post("catalog", "/products/", null, new JsonObject().put("price", "free"));
    assertProblem(invalidBody, 401);
    assertThat(invalidBody.body().toString()).doesNotContain("price");
    assertProblem(api.get("catalog", "/products/?category=x&limit=abc", null), 401);
  }

  @Test
  void repeatedProductIdsInOneOrderAreMergedIntoOneLine() {
    String productId = api.createProduct(admin, category, "Merged Mug", 4, 10);
    String alice = TestStore.token(name("merge"), false);
    Response order = api.post("order", "/orders/", alice, new JsonObject().put("items", new JsonArray()
        .add(new JsonObject().put("product_id", productId).put("quantity", 1))
        .add(new JsonObject().put("product_id", productId).put("quantity", 2))));
    assertThat(order.status()).as(order.toString()).isEqualTo(200);
    assertThat(order.json().getJsonArray("items")).hasSize(1);
    assertThat(order.json().getJsonArray("items").getJsonObject(0).getInteger("quantity")).isEqualTo(3);
    assertThat(api.stock(admin, productId)).isEqualTo(7);
  }

  @Test
  void aCartHoldsAtMostAHundredProducts() {
    String bob = TestStore.token(name("full"), false);
    for (int i = 0; i < 100; i++) {
      String id = api.createProduct(admin, category, "Item " + i, 1, 5);
      assertThat(api.addToCart(bob, id, 1).status()).isEqualTo(200);
    }
    String oneMore = api.createProduct(admin, category, "One too many", 1, 5);
    Response refused = api.addToCart(bob, oneMore, 1);
    assertProblem(refused, 400);
    assertThat(api.get("cart", "/cart/", bob).json().getJsonArray("items")).hasSize(100);
  }

  @Test
  void twoCheckoutsOfOneCartAtOnceMakeOneOrder(Vertx vertx) {
    String productId = api.createProduct(admin, category, "Double Click", 5, 10);
    String carol = TestStore.token(name("twice"), false);
    assertThat(api.addToCart(carol, productId, 2).status()).isEqualTo(200);
    List<Future<Response>> clicks = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      clicks.add(api.sendAsync(HttpMethod.POST, "cart", "/cart/checkout", carol, null,
          MultiMap.caseInsensitiveMultiMap()));
    }
    List<Integer> statuses = clicks.stream().map(StoreApi::await).map(Response::status).sorted().toList();
    assertThat(statuses).isEqualTo(List.of(200, 409));
    assertThat(api.get("order", "/orders/", carol).array()).hasSize(1);
    assertThat(api.stock(admin, productId)).isEqualTo(8);
  }

  @Test
  void anIdempotencyKeyLeftPendingByACrashIsFreeAfterItsLease() throws Exception {
    String productId = api.createProduct(admin, category, "Crash Pad", 5, 10);
    String user = name("lease");
    String dave = TestStore.token(user, false);
    assertThat(api.addToCart(dave, productId, 1).status()).isEqualTo(200);
    // what a checkout that crashed after claiming its key leaves behind: a PENDING claim under a (short) lease
    StoreApi.await(TestStore.cql().run("test.crashed-claim", "INSERT INTO checkouts (username, idempotency_key, "
        + "order_id, state, created_at) VALUES (?, ?, ?, 'PENDING', ?) USING TTL 2", user, "k:crash-1",
        UUID.randomUUID(), Instant.now()));
    MultiMap key = MultiMap.caseInsensitiveMultiMap().add("Idempotency-Key", "crash-1");
    assertProblem(api.send(HttpMethod.POST, "cart", "/cart/checkout", dave, null, key), 409);
    Response later = StoreApi.eventually(Duration.ofSeconds(10),
        () -> api.send(HttpMethod.POST, "cart", "/cart/checkout", dave, null, key), r -> r.status() == 200);
    assertThat(later.status()).as(later.toString()).isEqualTo(200);
  }

  @Test
  void anAdminStockChangeIsACompareAndSet() {
    String productId = api.createProduct(admin, category, "Counted", 5, 10);
    double before = casCount();
    Response updated = api.put("catalog", "/products/" + productId, admin, new JsonObject().put("stock_count", 42));
    assertThat(updated.status()).isEqualTo(200);
    assertThat(api.stock(admin, productId)).isEqualTo(42);
    assertThat(casCount()).as("the stock went through the compare-and-set").isGreaterThan(before);
    // a change of other fields leaves the stock alone
    assertThat(api.put("catalog", "/products/" + productId, admin, new JsonObject().put("price", 6)).status())
        .isEqualTo(200);
    assertThat(api.stock(admin, productId)).isEqualTo(42);
  }

  private double casCount() {
    return StoreApi.root(vertx, baseUrl).metricSum("root", "cassandra_query_duration_seconds_count{",
        "query=\"stock.set\"");
  }

  @Test
  void corsAllowsOnlyTheConfiguredOrigins() {
    MultiMap evil = MultiMap.caseInsensitiveMultiMap().add("Origin", "https://evil.example")
        .add("Access-Control-Request-Method", "GET");
    Response fromEvil = api.send(HttpMethod.OPTIONS, "catalog", "/products/categories/list", null, null, evil);
    assertProblem(fromEvil, 403);
    assertThat(fromEvil.headers().get("Access-Control-Allow-Origin")).as("a browser gets no permission").isNull();
    MultiMap local = MultiMap.caseInsensitiveMultiMap().add("Origin", "http://localhost:3000")
        .add("Access-Control-Request-Method", "GET");
    Response fromLocal = api.send(HttpMethod.OPTIONS, "catalog", "/products/categories/list", null, null, local);
    assertThat(fromLocal.status()).as(fromLocal.toString()).isIn(200, 204);
    assertThat(fromLocal.headers().get("Access-Control-Allow-Origin")).isEqualTo("http://localhost:3000");
  }
}
