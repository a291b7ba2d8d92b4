package store.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.testing.StoreApi;
import store.testing.StoreApi.Response;
import store.testing.TestStore;

/**
 * A checkout's stock move gives the catalog's cached copy of the product its new count: the product shows the
 * count at once, and the next add-to-cart and checkout find the product without reading its row again. The stock
 * row itself is not read again either: the next move's compare-and-set starts from what the last one wrote.
 */
@ExtendWith(VertxExtension.class)
class ProductCacheTest {

  @Test
  void aCheckoutLeavesTheCachedProductWithItsNewCount(Vertx vertx) throws Exception {
    String baseUrl = TestStore.start();
    StoreApi api = StoreApi.allInOne(vertx, baseUrl);
    StoreApi root = StoreApi.root(vertx, baseUrl);
    String productId = api.createProduct(TestStore.token("cache-admin", true), "cache-" + UUID.randomUUID(),
        "Cached Kettle", 12.0, 10);
    String shopper = TestStore.token("cache-" + UUID.randomUUID().toString().substring(0, 8), false);
    buy(api, shopper, productId, 2); // the product is read once, and cached

    double reads = productReads(root);
    buy(api, shopper, productId, 3);
    assertThat(api.stock(shopper, productId)).as("the count the checkout left").isEqualTo(5);
    buy(api, shopper, productId, 1);
    assertThat(api.stock(shopper, productId)).isEqualTo(4);
    assertThat(productReads(root)).as("reads of the product's row for two more sales and two views")
        .isEqualTo(reads);
    assertThat(api.addToCart(shopper, productId, 5).status()).as("more than the count left").isEqualTo(400);
  }

  @Test
  void aProductInDemandMovesByCompareAndSetAloneAndAStaleStartCostsNoStock(Vertx vertx) throws Exception {
    String baseUrl = TestStore.start();
    StoreApi api = StoreApi.allInOne(vertx, baseUrl);
    StoreApi root = StoreApi.root(vertx, baseUrl);
    String admin = TestStore.token("cache-admin", true);
    String productId = api.createProduct(admin, "moves-" + UUID.randomUUID(), "Popular Pan", 20.0, 10);
    String shopper = TestStore.token("moves-" + UUID.randomUUID().toString().substring(0, 8), false);
    buy(api, shopper, productId, 1); // its stock row is read once

    double reads = stockReads(root);
    buy(api, shopper, productId, 2);
    buy(api, shopper, productId, 3);
    assertThat(stockReads(root)).as("reads of the stock row for two more sales").isEqualTo(reads);

    // an admin's new count, written past the moves: the next move starts from a stale state, its compare-and-set
    // fails, and it goes on from the row as Cassandra found it
    Response set = api.put("catalog", "/products/" + productId, admin, new JsonObject().put("stock_count", 7));
    assertThat(set.status()).as(set.toString()).isEqualTo(200);
    buy(api, shopper, productId, 2);
    assertThat(api.stock(shopper, productId)).as("the admin's 7, less the sale after it").isEqualTo(5);
    assertThat(api.addToCart(shopper, productId, 6).status()).as("more than the count left").isEqualTo(400);
  }

  private static void buy(StoreApi api, String shopper, String productId, int quantity) {
    assertThat(api.addToCart(shopper, productId, quantity).status()).isEqualTo(200);
    Response order = api.post("cart", "/cart/checkout", shopper, null);
    assertThat(order.status()).as(order.toString()).isEqualTo(200);
  }

  private static double productReads(StoreApi root) {
    return reads(root, "product.get");
  }

  private static double stockReads(StoreApi root) {
    return reads(root, "stock.get");
  }

  /** How often the store ran the named statement: its Cassandra timer's count. */
  private static double reads(StoreApi root, String query) {
    return root.metricSum("root", "cassandra_query_duration_seconds_count", "query=\"" + query + "\"");
  }
}
