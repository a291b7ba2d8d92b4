package store.cart;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.cql.Row;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import store.testing.StoreApi;
import store.testing.TestStore;

/**
 * The rows that serialise checkouts (a cart's lock, an Idempotency-Key's claim): a claim is a lease that a crash
 * cannot hold for ever, only its own checkout can drop it, and a finished key is kept for retries.
 */
class CheckoutClaimsTest {
  private static CartRepository repository;

  @BeforeAll
  static void store() throws Exception {
    TestStore.start();
    repository = new CartRepository(TestStore.cql());
  }

  private static Row row(String username, String key) throws Exception {
    return StoreApi.await(TestStore.cql().one("test.claim", "SELECT order_id, state, TTL(state) AS ttl "
        + "FROM checkouts WHERE username = ? AND idempotency_key = ?", username, key));
  }

  @Test
  void aClaimIsALeaseThatOnlyItsOwnCheckoutReleases() throws Exception {
    String user = "claims-" + UUID.randomUUID();
    UUID mine = UUID.randomUUID();
    assertThat(StoreApi.await(repository.claimCheckout(user, CartService.CART_LOCK, mine, 30))).as("claimed").isNull();
    Row claimed = row(user, CartService.CART_LOCK);
    assertThat(claimed.getString("state")).isEqualTo("PENDING");
    assertThat(claimed.getInt("ttl")).as("a lease, so a crashed checkout frees the cart").isBetween(1, 30);
    assertThat(StoreApi.await(repository.claimCheckout(user, CartService.CART_LOCK, UUID.randomUUID(), 30)))
        .as("a second checkout meets the first one's claim").isNotNull();

    // a checkout that outlived its lease, while another one holds the claim now, must not drop it
    StoreApi.await(repository.releaseClaim(user, CartService.CART_LOCK, UUID.randomUUID()));
    assertThat(row(user, CartService.CART_LOCK)).as("another checkout's claim stays").isNotNull();
    StoreApi.await(repository.releaseClaim(user, CartService.CART_LOCK, mine));
    assertThat(row(user, CartService.CART_LOCK)).as("released by its own checkout").isNull();
  }

  @Test
  void aFinishedKeyIsKeptWithoutTheLease() throws Exception {
    String user = "claims-" + UUID.randomUUID();
    UUID order = UUID.randomUUID();
    assertThat(StoreApi.await(repository.claimCheckout(user, "k:done", order, 30))).isNull();
    StoreApi.await(repository.completeCheckout(user, "k:done", order, order));
    Row done = row(user, "k:done");
    assertThat(done.getString("state")).isEqualTo("DONE");
    assertThat(done.getUuid("order_id")).isEqualTo(order);
    assertThat(done.isNull("ttl")).as("a retry days later still finds its order").isTrue();
  }

  /**
   * A keyed checkout whose first attempt gave its reservation back (the order could not be made) is retried with the
   * same key: it reserves under the key's next order id instead of meeting the closed reservation for ever, and the
   * key then answers that one order. The order service's own keyed POST /orders/ does the same.
   */
  @Test
  void aRetryAfterAReservationWasGivenBackOrdersUnderTheKeysNextId() throws Exception {
    String base = TestStore.start();
    io.vertx.core.Vertx vertx = TestStore.vertx();
    StoreApi api = StoreApi.allInOne(vertx, base);
    String admin = TestStore.token("claims-admin", true);
    String user = "claims-retry-" + UUID.randomUUID().toString().substring(0, 8);
    String token = TestStore.token(user, false);
    String productId = api.createProduct(admin, "claims-" + UUID.randomUUID(), "Retried Cup", 3, 10);
    store.platform.Caller shopper = new store.platform.Caller(user, false);
    store.catalog.api.CatalogClient catalog = new store.catalog.api.CatalogClient(
        new store.platform.transport.EventBusChannel(vertx, "cart", "catalog", 10_000,
            new store.platform.transport.CallMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry())));
    io.vertx.core.json.JsonArray line = new io.vertx.core.json.JsonArray().add(new io.vertx.core.json.JsonObject()
        .put("product_id", productId).put("quantity", 1));
    for (String key : java.util.List.of("cart-key", "order-key")) {
      // the first attempt under this key: reserved, then given back, as a failed checkout leaves it
      String first = "order:" + store.order.api.OrderOperations.orderIdFor(user, key, 0);
      StoreApi.await(catalog.reserve(first, line, shopper));
      assertThat(StoreApi.await(catalog.release(first, shopper)).state()).isEqualTo("RELEASED");
    }

    assertThat(api.addToCart(token, productId, 2).status()).isEqualTo(200);
    io.vertx.core.MultiMap cartKey = io.vertx.core.MultiMap.caseInsensitiveMultiMap().add("Idempotency-Key", "cart-key");
    StoreApi.Response retried = api.send(io.vertx.core.http.HttpMethod.POST, "cart", "/cart/checkout", token, null,
        cartKey);
    assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
    assertThat(retried.json().getString("id"))
        .isEqualTo(store.order.api.OrderOperations.orderIdFor(user, "cart-key", 1).toString());
    StoreApi.Response again = api.send(io.vertx.core.http.HttpMethod.POST, "cart", "/cart/checkout", token, null,
        cartKey);
    assertThat(again.json().getString("id")).as("the key answers that order").isEqualTo(retried.json().getString("id"));

    StoreApi.Response placed = api.send(io.vertx.core.http.HttpMethod.POST, "order", "/orders/", token,
        new io.vertx.core.json.JsonObject().put("items", line),
        io.vertx.core.MultiMap.caseInsensitiveMultiMap().add("Idempotency-Key", "order-key"));
    assertThat(placed.status()).as(placed.toString()).isEqualTo(200);
    assertThat(placed.json().getString("id"))
        .isEqualTo(store.order.api.OrderOperations.orderIdFor(user, "order-key", 1).toString());
    assertThat(api.get("order", "/orders/", token).array()).as("two orders, no more").hasSize(2);
    assertThat(api.stock(admin, productId)).isEqualTo(10 - 2 - 1);
  }
}
