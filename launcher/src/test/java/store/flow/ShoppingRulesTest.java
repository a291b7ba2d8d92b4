package store.flow;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
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

/** Isolation between users, roles, cancel rules, oversell and idempotency — all-in-one, real Cassandra. */
@ExtendWith(VertxExtension.class)
class ShoppingRulesTest {
  private static String baseUrl;
  private StoreApi api;
  private String admin;
  private String category;

  @BeforeAll
  static void store() throws Exception {
    baseUrl = TestStore.start();
  }

  @BeforeEach
  void setUp(Vertx vertx) {
    api = StoreApi.allInOne(vertx, baseUrl);
    admin = TestStore.token("swagger_admin", true);
    category = "rules-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static String user() {
    return TestStore.token("user_" + UUID.randomUUID().toString().substring(0, 8), false);
  }

  private JsonObject checkout(String token, String productId, int quantity) {
    assertThat(api.addToCart(token, productId, quantity).status()).isEqualTo(200);
    Response order = api.post("cart", "/cart/checkout", token, null);
    assertThat(order.status()).as(order.toString()).isEqualTo(200);
    return order.json();
  }

  @Test
  void usersCannotSeeOrTouchEachOthersCartsOrdersOrNotifications() {
    String productId = api.createProduct(admin, category, "Private Lamp", 20, 10);
    String alice = user();
    String bob = user();
    Response bobsLine = api.addToCart(bob, productId, 2);
    String bobsItem = bobsLine.json().getString("id");

    // Alice's view of the cart is her own; Bob's line is not reachable through her token
    assertThat(api.get("cart", "/cart/", alice).json().getJsonArray("items")).isEmpty();
    assertThat(api.put("cart", "/cart/items/" + bobsItem, alice, new JsonObject().put("quantity", 5)).status())
        .isEqualTo(404);
    assertThat(api.delete("cart", "/cart/items/" + bobsItem, alice).status()).isEqualTo(404);
    assertThat(api.delete("cart", "/cart/items/" + productId, alice).status()).isEqualTo(404);
    assertThat(api.get("cart", "/cart/", bob).json().getJsonArray("items").getJsonObject(0).getInteger("quantity"))
        .isEqualTo(2);

    String bobsOrder = api.post("cart", "/cart/checkout", bob, null).json().getString("id");
    assertThat(api.get("order", "/orders/" + bobsOrder, alice).status()).isEqualTo(404);
    assertThat(api.put("order", "/orders/" + bobsOrder + "/cancel", alice, null).status()).isEqualTo(404);
    assertThat(api.get("order", "/orders/", alice).array()).isEmpty();
    assertThat(api.get("user", "/users/me/notifications", alice).array()).isEmpty();
    assertThat(api.get("order", "/orders/" + bobsOrder, bob).status()).isEqualTo(200);
    assertThat(api.get("order", "/orders/" + bobsOrder, admin).status()).isEqualTo(200);

    // admins only see every cart
    assertThat(api.get("cart", "/carts/", alice).status()).isEqualTo(403);
    assertThat(api.get("cart", "/carts/", admin).status()).isEqualTo(200);
  }

  @Test
  void aClientSentIdentityHeaderGrantsNothing() {
    MultiMap spoof = MultiMap.caseInsensitiveMultiMap().add("X-User-ID", "swagger_admin").add("X-Admin", "true");
    Response response = api.send(HttpMethod.GET, "cart", "/cart/", null, null, spoof);
    assertThat(response.status()).isEqualTo(401);
    assertThat(response.contentType()).startsWith("application/problem+json");
    String alice = user();
    assertThat(api.send(HttpMethod.GET, "cart", "/carts/", alice, null, spoof).status()).isEqualTo(403);
  }

  @Test
  void onlyAdminsSetStatusAndOnlyKnownStatusesAlongTheLifecycle() {
    String productId = api.createProduct(admin, category, "Status Kettle", 15, 10);
    String alice = user();
    String orderId = checkout(alice, productId, 1).getString("id");

    assertThat(api.put("order", "/orders/" + orderId + "/status?status=SHIPPING", alice, null).status())
        .isEqualTo(403);
    Response unknown = api.put("order", "/orders/" + orderId + "/status?status=LOST", admin, null);
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("status");

    Response shipped = api.put("order", "/orders/" + orderId + "/status?status=SHIPPING", admin, null);
    assertThat(shipped.status()).as(shipped.toString()).isEqualTo(200);
    assertThat(shipped.json().getString("status")).isEqualTo("SHIPPING");
    // never back
    assertThat(api.put("order", "/orders/" + orderId + "/status?status=CREATED", admin, null).status())
        .isEqualTo(409);
  }

  @Test
  void cancelRulesHoldAndCancellingGivesTheStockBack() {
    String productId = api.createProduct(admin, category, "Cancel Cup", 5, 10);
    String alice = user();

    // the owner may cancel while CREATED; the stock comes back
    String first = checkout(alice, productId, 3).getString("id");
    assertThat(api.stock(admin, productId)).isEqualTo(7);
    Response cancelled = api.put("order", "/orders/" + first + "/cancel", alice, null);
    assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
    assertThat(cancelled.json().getString("status")).isEqualTo("CANCELLED");
    assertThat(api.stock(admin, productId)).isEqualTo(10);
    assertThat(api.put("order", "/orders/" + first + "/cancel", alice, null).status()).isEqualTo(409);

    // once SHIPPING, only an admin may cancel
    String second = checkout(alice, productId, 2).getString("id");
    api.put("order", "/orders/" + second + "/status?status=SHIPPING", admin, null);
    Response refused = api.put("order", "/orders/" + second + "/cancel", alice, null);
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.json().getString("detail")).contains("SHIPPING");
    assertThat(api.put("order", "/orders/" + second + "/cancel", admin, null).json().getString("status"))
        .isEqualTo("CANCELLED");
    assertThat(api.stock(admin, productId)).isEqualTo(10);

    // delivered orders cannot be cancelled by anyone
    String third = checkout(alice, productId, 1).getString("id");
    api.put("order", "/orders/" + third + "/status?status=DELIVERED", admin, null);
    assertThat(api.put("order", "/orders/" + third + "/cancel", admin, null).status()).isEqualTo(409);
    assertThat(api.stock(admin, productId)).isEqualTo(9);
  }

  @Test
  void aSelfRegisteredAdminPrefixIsNotAnAdmin() {
    String name = "admin_" + UUID.randomUUID().toString().substring(0, 6);
    Response registered = api.post("user", "/users/register", null, new JsonObject().put("username", name)
        .put("full_name", "Sneaky").put("phone", "+100200300").put("password", "password1").put("is_admin", true));
    assertThat(registered.status()).isEqualTo(200);
    assertThat(registered.json().getBoolean("is_admin")).isFalse();
    String token = api.login(name, "password1");
    assertThat(api.get("cart", "/carts/", token).status()).isEqualTo(403);
    assertThat(api.get("catalog", "/products/", token).status()).isEqualTo(403);
    // duplicate registration is a 400 problem
    Response again = api.post("user", "/users/register", null, new JsonObject().put("username", name)
        .put("full_name", "Sneaky").put("phone", "+100200300").put("password", "password1"));
    assertThat(again.status()).isEqualTo(400);
    assertThat(again.contentType()).startsWith("application/problem+json");
    assertThat(api.post("user", "/token", null, MultiMap.caseInsensitiveMultiMap().add("username", name)
        .add("password", "wrong-password")).status()).isEqualTo(401);
  }

  @Test
  void thirtyShoppersForTenUnitsMakeExactlyTenOrders() {
    String productId = api.createProduct(admin, category, "Rare Vase", 99, 10);
    List<String> shoppers = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String token = user();
      assertThat(api.addToCart(token, productId, 1).status()).isEqualTo(200);
      shoppers.add(token);
    }
    List<Future<Response>> attempts = shoppers.stream().map(token -> api.sendAsync(HttpMethod.POST, "cart",
        "/cart/checkout", token, null, MultiMap.caseInsensitiveMultiMap())).toList();
    List<Response> answers = attempts.stream().map(StoreApi::await).toList();

    assertThat(answers.stream().filter(r -> r.status() == 200)).hasSize(10);
    assertThat(answers).allSatisfy(r -> assertThat(r.status()).as(r.toString()).isIn(200, 409));
    assertThat(answers.stream().filter(r -> r.status() == 409))
        .allSatisfy(r -> assertThat(r.contentType()).startsWith("application/problem+json"));
    assertThat(api.stock(admin, productId)).isZero();
    // the twenty who lost still hold their unit in the cart
    for (int i = 0; i < 30; i++) {
      int items = api.get("cart", "/cart/", shoppers.get(i)).json().getJsonArray("items").size();
      assertThat(items).isEqualTo(answers.get(i).status() == 200 ? 0 : 1);
    }
  }

  @Test
  void theSameIdempotencyKeyTwiceMakesOneOrder() {
    String productId = api.createProduct(admin, category, "Once Only", 7, 10);
    String alice = user();
    api.addToCart(alice, productId, 2);
    MultiMap key = MultiMap.caseInsensitiveMultiMap().add("Idempotency-Key", UUID.randomUUID().toString());
    Response first = api.send(HttpMethod.POST, "cart", "/cart/checkout", alice, null, key);
    Response second = api.send(HttpMethod.POST, "cart", "/cart/checkout", alice, null, key);
    assertThat(first.status()).isEqualTo(200);
    assertThat(second.status()).as(second.toString()).isEqualTo(200);
    assertThat(second.json().getString("id")).isEqualTo(first.json().getString("id"));
    assertThat(api.get("order", "/orders/", alice).array()).hasSize(1);
    assertThat(api.stock(admin, productId)).isEqualTo(8);
    // without items and without a key, a checkout is a 400 problem, never a second order
    assertThat(api.post("cart", "/cart/checkout", alice, null).status()).isEqualTo(400);
  }

  private static MultiMap newKey() {
    return MultiMap.caseInsensitiveMultiMap().add("Idempotency-Key", UUID.randomUUID().toString());
  }

  /** POST /cart/items with {@code key}'s Idempotency-Key. */
  private Response addKeyed(String token, JsonObject line, MultiMap key) {
    return api.send(HttpMethod.POST, "cart", "/cart/items", token, line, key);
  }

  @Test
  void anAddRetriedWithItsIdempotencyKeyAddsOnce() {
    String productId = api.createProduct(admin, category, "Retried Kettle", 9, 10);
    String alice = user();
    JsonObject two = new JsonObject().put("product_id", productId).put("quantity", 2);
    MultiMap key = newKey();
    Response first = addKeyed(alice, two, key);
    Response retried = addKeyed(alice, two, key);
    assertThat(first.status()).as(first.toString()).isEqualTo(200);
    assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
    assertThat(retried.json()).isEqualTo(first.json()); // the same line, quantity 2
    assertThat(first.json().getInteger("quantity")).isEqualTo(2);
    // a new key, or none, is a new add: the quantity grows as before
    Response another = addKeyed(alice, two, newKey());
    assertThat(another.json().getInteger("quantity")).isEqualTo(4);
    assertThat(api.addToCart(alice, productId, 1).json().getInteger("quantity")).isEqualTo(5);
    // and the first key, met again after those, still adds nothing
    assertThat(addKeyed(alice, two, key).json().getInteger("quantity")).isEqualTo(5);
    JsonArray lines = api.get("cart", "/cart/", alice).json().getJsonArray("items");
    assertThat(lines).hasSize(1);
    assertThat(lines.getJsonObject(0).getInteger("quantity")).isEqualTo(5);
  }

  @Test
  void aKeyedAddRetriedAfterItsLineIsGoneAddsNothing() {
    String productId = api.createProduct(admin, category, "Checked-out Kettle", 9, 10);
    String alice = user();
    JsonObject two = new JsonObject().put("product_id", productId).put("quantity", 2);
    MultiMap ordered = newKey();
    Response first = addKeyed(alice, two, ordered);
    assertThat(first.status()).as(first.toString()).isEqualTo(200);
    assertThat(api.post("cart", "/cart/checkout", alice, null).status()).isEqualTo(200);

    // the add's answer was lost, the shopper checked out from elsewhere, and the client retries: nothing is added
    Response retried = addKeyed(alice, two, ordered);
    assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
    assertThat(retried.json()).as("the add's own answer").isEqualTo(first.json());
    assertThat(api.get("cart", "/cart/", alice).json().getJsonArray("items")).as("the cart stays empty").isEmpty();

    // likewise for a line the shopper removed
    MultiMap removed = newKey();
    String line = addKeyed(alice, two, removed).json().getString("id");
    assertThat(api.delete("cart", "/cart/items/" + line, alice).status()).isEqualTo(200);
    assertThat(addKeyed(alice, two, removed).status()).isEqualTo(200);
    assertThat(api.get("cart", "/cart/", alice).json().getJsonArray("items")).isEmpty();
    // and a new key is a new add
    assertThat(addKeyed(alice, two, newKey()).json().getInteger("quantity")).isEqualTo(2);
    assertThat(api.stock(admin, productId)).as("one order of two").isEqualTo(8);
  }

  @Test
  void notEnoughStockIsRefusedWhenAddingToTheCart() {
    String productId = api.createProduct(admin, category, "Scarce", 3, 2);
    String alice = user();
    Response refused = api.addToCart(alice, productId, 3);
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().getString("detail")).isEqualTo("Not enough items in stock");
    assertThat(api.post("cart", "/cart/items", alice, new JsonObject().put("product_id", UUID.randomUUID().toString())
        .put("quantity", 1)).status()).isEqualTo(404);
    Response invalid = api.addToCart(alice, productId, 0);
    assertThat(invalid.status()).isEqualTo(400);
    assertThat(invalid.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("quantity");
  }

  @Test
  void aProductIdWorksWhereACartItemIdIsExpected() {
    String lamp = api.createProduct(admin, category, "Lamp", 10, 50);
    String rug = api.createProduct(admin, category, "Rug", 30, 50);
    String alice = user();
    api.addToCart(alice, lamp, 1);
    api.addToCart(alice, lamp, 2);
    api.addToCart(alice, rug, 1);
    JsonObject cart = api.get("cart", "/cart/", alice).json();
    assertThat(cart.getJsonArray("items")).hasSize(2);
    assertThat(cart.getDouble("total")).isEqualTo(60.0);

    Response updated = api.put("cart", "/cart/items/" + lamp, alice, new JsonObject().put("quantity", 5));
    assertThat(updated.status()).as(updated.toString()).isEqualTo(200);
    assertThat(updated.json().getInteger("quantity")).isEqualTo(5);
    assertThat(updated.json().getDouble("total_price")).isEqualTo(50.0);
    assertThat(api.delete("cart", "/cart/items/" + lamp, alice).status()).isEqualTo(200);
    JsonObject after = api.get("cart", "/cart/", alice).json();
    assertThat(after.getJsonArray("items")).hasSize(1);
    assertThat(after.getJsonArray("items").getJsonObject(0).getString("product_id")).isEqualTo(rug);
    assertThat(api.delete("cart", "/cart/", alice).status()).isEqualTo(200);
    assertThat(api.get("cart", "/cart/", alice).json().getJsonArray("items")).isEmpty();
  }

  @Test
  void recentViewsAreDistinctNewestFirstAndBounded() {
    String alice = user();
    List<String> products = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      products.add(api.createProduct(admin, category, "Seen " + i, 1 + i, 5));
    }
    for (String id : products) {
      assertThat(api.post("cart", "/products/" + id + "/view", alice, null).status()).isEqualTo(200);
    }
    api.post("cart", "/products/" + products.get(3) + "/view", alice, null); // seen again: moves to the front
    List<String> recent = api.get("cart", "/products/recent-views", alice).array().stream()
        .map(v -> ((JsonObject) v).getString("product_id")).toList();
    assertThat(recent).hasSize(10).doesNotHaveDuplicates();
    assertThat(recent.get(0)).isEqualTo(products.get(3));
    assertThat(recent.get(1)).isEqualTo(products.get(11));
    assertThat(recent).doesNotContain(products.get(0), products.get(1));
  }

  @Test
  void deliveredOrdersLeaveTheActiveListAfterRetentionButStayInHistory() {
    String productId = api.createProduct(admin, category, "Kept Record", 3, 5);
    String alice = user();
    String orderId = checkout(alice, productId, 1).getString("id");
    api.put("order", "/orders/" + orderId + "/status?status=DELIVERED", admin, null);
    // TestStore's retention is 2 s
    var active = StoreApi.eventually(java.time.Duration.ofSeconds(15), () -> api.get("order", "/orders/", alice).array(),
        a -> a.isEmpty());
    assertThat(active).isEmpty();
    assertThat(api.get("order", "/orders/?history=true", alice).array()).hasSize(1);
    assertThat(api.get("order", "/orders/" + orderId, alice).json().getString("status")).isEqualTo("DELIVERED");
    assertThat(api.get("user", "/users/me/orders", alice).array()).hasSize(1);
  }

  @Test
  void theSeedsDirectOrderRouteReservesStockAtCatalogPrices() {
    String productId = api.createProduct(admin, category, "Direct Drill", 42.5, 5);
    String alice = user();
    Response placed = api.post("order", "/orders/", alice, new JsonObject().put("items", new io.vertx.core.json.JsonArray()
        .add(new JsonObject().put("product_id", productId).put("quantity", 2).put("price", 0.01))));
    assertThat(placed.status()).as(placed.toString()).isEqualTo(200);
    assertThat(placed.json().getString("status")).isEqualTo("CREATED");
    assertThat(placed.json().getJsonArray("items").getJsonObject(0).getDouble("price")).isEqualTo(42.5);
    assertThat(placed.json().getDouble("total")).as("the client's price is ignored").isEqualTo(85.0);
    assertThat(api.stock(admin, productId)).isEqualTo(3);
    Response tooMany = api.post("order", "/orders/", alice, new JsonObject().put("items", new io.vertx.core.json.JsonArray()
        .add(new JsonObject().put("product_id", productId).put("quantity", 4))));
    assertThat(tooMany.status()).isEqualTo(409);
    assertThat(api.stock(admin, productId)).isEqualTo(3);
  }

  @Test
  void usersReadAndChangeTheirOwnAccountAndNeverSeeAPasswordHash() {
    String name = "acct_" + UUID.randomUUID().toString().substring(0, 8);
    String token = api.registerAndLogin(name, "first-pass");
    JsonObject me = api.get("user", "/users/me", token).json();
    assertThat(me.getString("username")).isEqualTo(name);
    assertThat(me.fieldNames()).doesNotContain("password", "password_hash");

    Response changed = api.put("user", "/users/me", token, new JsonObject().put("full_name", "Renamed Person")
        .put("password", "second-pass").put("current_password", "first-pass"));
    assertThat(changed.status()).as(changed.toString()).isEqualTo(200);
    assertThat(changed.json().getString("full_name")).isEqualTo("Renamed Person");
    assertThat(changed.json().getString("phone")).as("fields not sent stay").isEqualTo("+100200300");
    assertThat(changed.body().toString()).doesNotContain("second-pass").doesNotContain("$2");
    assertThat(api.post("user", "/token", null, MultiMap.caseInsensitiveMultiMap().add("username", name)
        .add("password", "first-pass")).status()).isEqualTo(401);
    String renewed = api.login(name, "second-pass");
    // JSON is accepted at /token as well as the OAuth2 form
    Response json = api.post("user", "/token", null, new JsonObject().put("username", name)
        .put("password", "second-pass"));
    assertThat(json.status()).isEqualTo(200);
    assertThat(json.json().getString("token_type")).isEqualTo("bearer");
    assertThat(json.json().getInteger("expires_in")).isEqualTo(1800);

    Response invalid = api.put("user", "/users/me", renewed, new JsonObject().put("password", "x")
        .put("current_password", "second-pass"));
    assertThat(invalid.status()).isEqualTo(400);
    assertThat(invalid.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("password");
    assertThat(api.get("user", "/users/me", null).status()).isEqualTo(401);
  }
}
