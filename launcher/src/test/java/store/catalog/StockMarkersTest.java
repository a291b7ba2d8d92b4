package store.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import store.testing.CassandraTrace;
import store.testing.StoreApi;
import store.testing.StoreApi.Response;
import store.testing.TestStore;

/**
 * Each sale leaves a marker in the product's row, cleared once the reservation is settled. Those clears must not
 * leave a tombstone per sale: every read of the product scans them for ten days (gc_grace_seconds), and 100 000 of
 * them make the product unreadable.
 */
class StockMarkersTest {
  private static final int SALES = 30;

  @Test
  void aProductSoldManyTimesKeepsNoTombstonePerSaleAndItsMarkersAreCleared() throws Exception {
    StoreApi api = StoreApi.allInOne(TestStore.vertx(), TestStore.start());
    String productId = api.createProduct(TestStore.token("markers-admin", true), "markers-" + UUID.randomUUID(),
        "Best Seller", 2.0, 1000);
    String shopper = TestStore.token("markers-" + UUID.randomUUID().toString().substring(0, 8), false);
    for (int sale = 0; sale < SALES; sale++) {
      assertThat(api.addToCart(shopper, productId, 1).status()).isEqualTo(200);
      Response order = api.post("cart", "/cart/checkout", shopper, null);
      assertThat(order.status()).as(order.toString()).isEqualTo(200);
    }
    // no sale follows the last one: its markers are cleared by a write of their own
    Row row = StoreApi.eventually(Duration.ofSeconds(10), () -> stock(productId),
        r -> r.isNull("pending_holds") && r.isNull("pending_returns"));
    assertThat(row.getMap("pending_holds", String.class, Integer.class)).as("holds left").isEmpty();
    assertThat(row.getInt("stock_count")).isEqualTo(1000 - SALES);
    assertThat(CassandraTrace.tombstonesRead(SimpleStatement.newInstance(
        "SELECT stock_count, pending_holds, pending_returns FROM products WHERE product_id = ?",
        UUID.fromString(productId)))).as("tombstone cells a read of the product scans after %d sales", SALES)
        .isLessThan(5);
  }

  private static Row stock(String productId) {
    try {
      return StoreApi.await(TestStore.cassandraClient().executeWithFullFetch(SimpleStatement.newInstance(
          "SELECT stock_count, pending_holds, pending_returns FROM products WHERE product_id = ?",
          UUID.fromString(productId)))).get(0);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
