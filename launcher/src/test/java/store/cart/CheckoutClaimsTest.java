package store.cart;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.cql.Row;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import store.catalog.api.CatalogClient;
import store.order.api.OrderClient;
import store.order.api.OrderOperations;
import store.platform.Caller;
import store.platform.transport.CallMetrics;
import store.platform.transport.EventBusChannel;
import store.testing.LostAnswers;
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
    Shop shop = Shop.open("claims-retry-");
    for (String key : List.of("cart-key", "order-key")) {
      // the first attempt under this key: reserved, then given back, as a failed checkout leaves it
      String first = "order:" + OrderOperations.orderIdFor(shop.user, key, 0);
      StoreApi.await(shop.catalog.reserve(first, shop.line(1), shop.shopper));
      assertThat(StoreApi.await(shop.catalog.release(first, shop.shopper)).state()).isEqualTo("RELEASED");
    }

    assertThat(shop.api.addToCart(shop.token, shop.productId, 2).status()).isEqualTo(200);
    StoreApi.Response retried = shop.checkout("cart-key");
    assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
    assertThat(retried.json().getString("id"))
        .isEqualTo(OrderOperations.orderIdFor(shop.user, "cart-key", 1).toString());
    StoreApi.Response again = shop.checkout("cart-key");
    assertThat(again.json().getString("id")).as("the key answers that order").isEqualTo(retried.json().getString("id"));

    StoreApi.Response placed = shop.api.send(HttpMethod.POST, "order", "/orders/", shop.token,
        new JsonObject().put("items", shop.line(1)), MultiMap.caseInsensitiveMultiMap().add("Idempotency-Key",
            "order-key"));
    assertThat(placed.status()).as(placed.toString()).isEqualTo(200);
    assertThat(placed.json().getString("id"))
        .isEqualTo(OrderOperations.orderIdFor(shop.user, "order-key", 1).toString());
    assertThat(shop.placedOrders()).as("two orders, no more").hasSize(2);
    assertThat(shop.stock()).isEqualTo(10 - 2 - 1);
  }

  /**
   * A cart process killed after its checkout made the order and emptied the cart, but before it marked the key DONE:
   * once the claim's lease runs out, the client's retry finds an empty cart. It must answer that order (here made at
   * the key's second attempt, the first having been given back), not "Cart is empty", and keep answering it.
   */
  @Test
  void aRetryAfterACheckoutDiedBeforeMarkingItsKeyDoneAnswersTheOrderItMade() throws Exception {
    Shop shop = Shop.open("claims-died-");
    String key = "died-key";
    String first = "order:" + OrderOperations.orderIdFor(shop.user, key, 0);
    StoreApi.await(shop.catalog.reserve(first, shop.line(3), shop.shopper));
    StoreApi.await(shop.catalog.release(first, shop.shopper));
    UUID made = OrderOperations.orderIdFor(shop.user, key, 1);
    StoreApi.await(shop.catalog.reserve("order:" + made, shop.line(2), shop.shopper));
    StoreApi.await(shop.orders.create(shop.shopper, made, "order:" + made));
    assertThat(row(shop.user, "k:" + key)).as("no claim left: its lease ran out").isNull();

    StoreApi.Response retried = shop.checkout(key);
    assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
    assertThat(retried.json().getString("id")).isEqualTo(made.toString());
    assertThat(row(shop.user, "k:" + key).getString("state")).as("the key now remembers it").isEqualTo("DONE");
    assertThat(shop.checkout(key).json().getString("id")).isEqualTo(made.toString());
    assertThat(shop.placedOrders()).as("the one order, not a second").hasSize(1);
    assertThat(shop.stock()).isEqualTo(10 - 2);

    StoreApi.Response fresh = shop.checkout("never-used");
    assertThat(fresh.status()).as("a key no checkout got far with: the cart is just empty").isEqualTo(400);
    assertThat(fresh.body().toString()).contains("Cart is empty");
  }

  /**
   * The same retry when the dead checkout had only reserved (no order) and the shopper has emptied the cart since:
   * no order, and the stock it held goes back at once rather than at the sweeper's timeout.
   */
  @Test
  void aRetryOfACheckoutThatDiedBeforeItsOrderOnANowEmptyCartGivesTheStockBack() throws Exception {
    Shop shop = Shop.open("claims-unordered-");
    String key = "unordered-key";
    StoreApi.await(shop.catalog.reserve("order:" + OrderOperations.orderIdFor(shop.user, key, 0), shop.line(4),
        shop.shopper));
    assertThat(shop.stock()).isEqualTo(10 - 4);

    StoreApi.Response retried = shop.checkout(key);
    assertThat(retried.status()).as(retried.toString()).isEqualTo(400);
    assertThat(shop.placedOrders()).isEmpty();
    assertThat(shop.stock()).as("the reservation given back").isEqualTo(10);
  }

  /**
   * A keyed checkout's first reservation left PENDING with nothing taken (its claim landed, but the answer was lost
   * and the attempt gave up): the retry takes it over and orders under the key's next id, instead of being refused
   * until the catalog's sweeper gets to it minutes later.
   */
  @Test
  void aRetryMeetingItsOwnReservationLeftPendingOrdersUnderTheKeysNextId() throws Exception {
    Shop shop = Shop.open("claims-pending-");
    String key = "pending-key";
    StoreApi.await(TestStore.cql().run("test.pending-claim", "INSERT INTO stock_reservations (reservation_id, lines, "
        + "state, created_at, owner) VALUES (?, ?, 'PENDING', toTimestamp(now()), ?)",
        "order:" + OrderOperations.orderIdFor(shop.user, key, 0), shop.line(1).encode(), shop.user));
    assertThat(shop.api.addToCart(shop.token, shop.productId, 3).status()).isEqualTo(200);

    StoreApi.Response retried = shop.checkout(key);
    assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
    assertThat(retried.json().getString("id")).isEqualTo(OrderOperations.orderIdFor(shop.user, key, 1).toString());
    assertThat(shop.placedOrders()).hasSize(1);
    assertThat(shop.stock()).isEqualTo(10 - 3);
  }

  /**
   * The claims' compare-and-sets when Cassandra cannot say whether they applied (they land, their answers are lost):
   * each is read back, so a checkout holding its claim goes on, and one that does not is told whose it is.
   */
  @Test
  void claimsWhoseAnswersWereLostAreReadBack() throws Exception {
    CartRepository lossy = new CartRepository(LostAnswers.to("INSERT INTO checkouts", "UPDATE checkouts",
        "BEGIN BATCH"));
    String user = "claims-lost-" + UUID.randomUUID();
    UUID mine = UUID.randomUUID();
    assertThat(StoreApi.await(lossy.claimCheckout(user, "k:a", mine, 30))).as("claimed: the row is this claim's")
        .isNull();
    assertThat(StoreApi.await(lossy.claimCheckout(user, "k:a", UUID.randomUUID(), 30))).as("another's claim")
        .isNotNull();
    assertThat(StoreApi.await(lossy.claimKeyAndLock(user, "k:b", UUID.randomUUID(), CartService.CART_LOCK,
        UUID.randomUUID(), 30))).as("key and lock claimed together").isTrue();
    assertThat(StoreApi.await(lossy.claimKeyAndLock(user, "k:c", UUID.randomUUID(), CartService.CART_LOCK,
        UUID.randomUUID(), 30))).as("the lock is another checkout's").isFalse();

    UUID first = UUID.randomUUID();
    StoreApi.await(repository.claimCheckout(user, "k:d", first, 30));
    StoreApi.await(repository.retryLater(user, "k:d", first, 2));
    UUID resumed = UUID.randomUUID();
    assertThat(StoreApi.await(lossy.resumeCheckout(user, "k:d", resumed, 2, 30))).as("resumed by this retry")
        .isNull();
    assertThat(row(user, "k:d").getUuid("order_id")).isEqualTo(resumed);
  }

  /**
   * A new key on a free cart, the common case: the key and the cart's lock are claimed in one compare-and-set, and
   * kept/dropped in one (two Paxos rounds fewer than row by row); the key then answers its order, the lock is gone.
   */
  @Test
  void aNewKeyOnAFreeCartClaimsAndFinishesKeyAndLockTogether() throws Exception {
    Shop shop = Shop.open("claims-both-");
    assertThat(shop.api.addToCart(shop.token, shop.productId, 2).status()).isEqualTo(200);
    double claimsBefore = statements("checkout.claim");
    double bothBefore = statements("checkout.claim-both");
    double finishedBefore = statements("checkout.finish-both");

    StoreApi.Response placed = shop.checkout("both-key");
    assertThat(placed.status()).as(placed.toString()).isEqualTo(200);
    assertThat(statements("checkout.claim-both") - bothBefore).isEqualTo(1);
    assertThat(statements("checkout.finish-both") - finishedBefore).isEqualTo(1);
    assertThat(statements("checkout.claim") - claimsBefore).as("no row-by-row claim").isZero();
    Row key = row(shop.user, "k:both-key");
    assertThat(key.getString("state")).isEqualTo("DONE");
    assertThat(key.getUuid("order_id").toString()).isEqualTo(placed.json().getString("id"));
    assertThat(key.isNull("ttl")).isTrue();
    assertThat(row(shop.user, CartService.CART_LOCK)).as("the lock is gone before the answer").isNull();
    assertThat(shop.checkout("both-key").json().getString("id")).isEqualTo(placed.json().getString("id"));
    assertThat(shop.stock()).isEqualTo(10 - 2);
  }

  /**
   * A checkout's reservation goes from PENDING straight to ORDERED: the compare-and-set that closes it once its lines
   * are taken is the order's commit point too (one Paxos round fewer than RESERVED, then ORDERED), and its lines,
   * names and prices are the order's.
   */
  @Test
  void aCheckoutReservesAndCommitsItsStockInOneMove() throws Exception {
    Shop shop = Shop.open("claims-one-move-");
    assertThat(shop.api.addToCart(shop.token, shop.productId, 3).status()).isEqualTo(200);
    double orderedBefore = statements("reservation.pending-order");
    double reservedBefore = statements("reservation.state");
    double committedBefore = statements("reservation.order");

    StoreApi.Response placed = shop.checkout("one-move");
    assertThat(placed.status()).as(placed.toString()).isEqualTo(200);
    assertThat(statements("reservation.pending-order") - orderedBefore).isEqualTo(1);
    assertThat(statements("reservation.state") - reservedBefore).as("never RESERVED on the way").isZero();
    assertThat(statements("reservation.order") - committedBefore).as("no commit of its own").isZero();
    JsonObject item = placed.json().getJsonArray("items").getJsonObject(0);
    assertThat(item.getString("product_id")).isEqualTo(shop.productId);
    assertThat(item.getInteger("quantity")).isEqualTo(3);
    assertThat(shop.stock()).isEqualTo(10 - 3);
    assertThat(StoreApi.await(shop.catalog.reservation("order:" + placed.json().getString("id"), shop.shopper))
        .state()).isEqualTo("ORDERED");
  }

  /** How many times the store has run a named statement (its own timer's count). */
  private static double statements(String name) throws Exception {
    String metrics = StoreApi.root(TestStore.vertx(), TestStore.start()).get("root", "/metrics", null).body()
        .toString();
    return metrics.lines().filter(l -> l.startsWith("cassandra_query_duration_seconds_count{")
            && l.contains("query=\"" + name + "\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  /**
   * A checkout that died holding its claims (a killed cart process) blocks its key, and its cart, until the lease
   * runs out: the 409 says when that is, so a client retrying waits that long rather than hammering or giving up.
   */
  @Test
  void aKeyOrCartHeldByADeadCheckoutAnswers409WithTheLeaseLeftAsRetryAfter() throws Exception {
    Shop shop = Shop.open("claims-held-");
    assertThat(shop.api.addToCart(shop.token, shop.productId, 1).status()).isEqualTo(200);
    String key = "held-key";
    assertThat(StoreApi.await(repository.claimCheckout(shop.user, "k:" + key,
        OrderOperations.orderIdFor(shop.user, key, 0), 30))).isNull();
    StoreApi.Response keyHeld = shop.checkout(key);
    assertThat(keyHeld.status()).as(keyHeld.toString()).isEqualTo(409);
    assertThat(Integer.parseInt(keyHeld.headers().get("Retry-After"))).isBetween(1, 30);

    assertThat(StoreApi.await(repository.claimCheckout(shop.user, CartService.CART_LOCK, UUID.randomUUID(), 30)))
        .isNull();
    StoreApi.Response cartHeld = shop.checkout("another-key");
    assertThat(cartHeld.status()).as(cartHeld.toString()).isEqualTo(409);
    assertThat(Integer.parseInt(cartHeld.headers().get("Retry-After"))).isBetween(1, 30);
    assertThat(shop.stock()).as("nothing reserved meanwhile").isEqualTo(10);
  }

  /** A shopper with a token, one product of 10 in stock, and the catalog and order clients the cart uses. */
  private record Shop(StoreApi api, String user, String token, String admin, String productId, Caller shopper,
      CatalogClient catalog, OrderClient orders) {

    static Shop open(String prefix) throws Exception {
      String base = TestStore.start();
      Vertx vertx = TestStore.vertx();
      StoreApi api = StoreApi.allInOne(vertx, base);
      String admin = TestStore.token("claims-admin", true);
      String user = prefix + UUID.randomUUID().toString().substring(0, 8);
      String productId = api.createProduct(admin, "claims-" + UUID.randomUUID(), "Retried Cup", 3, 10);
      CallMetrics metrics = new CallMetrics(new SimpleMeterRegistry());
      return new Shop(api, user, TestStore.token(user, false), admin, productId, new Caller(user, false),
          new CatalogClient(new EventBusChannel(vertx, "order", "catalog", 10_000, metrics)),
          new OrderClient(new EventBusChannel(vertx, "cart", "order", 10_000, metrics)));
    }

    JsonArray line(int quantity) {
      return new JsonArray().add(new JsonObject().put("product_id", productId).put("quantity", quantity));
    }

    StoreApi.Response checkout(String key) {
      return api.send(HttpMethod.POST, "cart", "/cart/checkout", token, null,
          MultiMap.caseInsensitiveMultiMap().add("Idempotency-Key", key));
    }

    JsonArray placedOrders() {
      return api.get("order", "/orders/", token).array();
    }

    int stock() {
      return api.stock(admin, productId);
    }
  }
}
