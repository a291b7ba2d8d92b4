package store.cart;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import store.platform.Cql;
import store.testing.CassandraTrace;
import store.testing.StoreApi;
import store.testing.StoreApi.Response;
import store.testing.TestStore;

/**
 * A product view answers once the view is recorded: the trim of old views runs after the answer, and the product's
 * last known copy is written once a minute, not at every view.
 */
class RecentViewsTest {
  private static final int VIEWS = 30;

  @Test
  void aTrimForgetsOnlyTheViewsItReadNotAViewRecordedSince() throws Exception {
    TestStore.start(); // the cart's tables
    CartRepository views = new CartRepository(TestStore.cql());
    String username = "views-" + UUID.randomUUID();
    UUID seenAgain = UUID.randomUUID();
    UUID old = UUID.randomUUID();
    Instant start = Instant.now().minusSeconds(60);
    await(views.recordView(username, seenAgain, start));
    await(views.recordView(username, old, start.plusSeconds(1)));

    List<Row> read = await(views.views(username)); // what a trim read, and decided to forget
    await(views.recordView(username, seenAgain, Instant.now())); // viewed again before the trim's delete
    long newestRead = read.stream().mapToLong(row -> row.getLong("written")).max().orElseThrow();
    await(views.forgetViewsUpTo(username, newestRead));

    List<Row> left = await(views.views(username));
    assertThat(left).extracting(row -> row.getUuid("product_id")).as("the view recorded after the read stays")
        .containsExactly(seenAgain);
    assertThat(left.get(0).getInstant("viewed_at")).isAfter(start.plusSeconds(30));
  }

  /**
   * Each view past the list's limit trims the oldest. Those trims must not leave a tombstone per view: every view and
   * every read of the list reads the whole partition, tombstones included, for ten days (gc_grace_seconds).
   */
  @Test
  void manyViewsKeepTheNewestTenAndLeaveNoTombstonePerTrimmedView() throws Exception {
    StoreApi api = StoreApi.allInOne(TestStore.vertx(), TestStore.start());
    String admin = TestStore.token("views-admin", true);
    String username = "browser-" + UUID.randomUUID().toString().substring(0, 8);
    String shopper = TestStore.token(username, false);
    String category = "browsed-" + UUID.randomUUID();
    List<String> viewed = new ArrayList<>();
    for (int i = 0; i < VIEWS; i++) {
      viewed.add(api.createProduct(admin, category, "Browsed " + i, 1.0, 5));
      Response view = api.post("cart", "/products/" + viewed.get(i) + "/view", shopper, null);
      assertThat(view.status()).as(view.toString()).isEqualTo(200);
      Thread.sleep(2); // views one millisecond apart at least: the list orders them by their time
    }
    List<String> newestTen = new ArrayList<>(viewed.subList(VIEWS - 10, VIEWS));
    Collections.reverse(newestTen);
    // a view's trim runs after its answer: the last one's may still be on its way
    List<Row> left = StoreApi.eventually(Duration.ofSeconds(10), () -> rowsOf(username), rows -> rows.size() == 10);
    assertThat(left).as("views kept").hasSize(10);
    Response list = api.get("cart", "/products/recent-views", shopper);
    assertThat(list.array()).as(list.toString()).extracting(v -> ((JsonObject) v).getString("product_id"))
        .containsExactlyElementsOf(newestTen);
    assertThat(CassandraTrace.tombstonesRead(SimpleStatement.newInstance(
        "SELECT * FROM recent_views WHERE username = ?", username)))
        .as("tombstone cells a read of the list scans after %d views", VIEWS).isLessThan(3);
  }

  private static List<Row> rowsOf(String username) {
    try {
      return await(TestStore.cql().rows("test.views", "SELECT product_id FROM recent_views WHERE username = ?",
          username));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void viewsAndAddsWriteTheProductsLastKnownCopyOnceAMinute() throws Exception {
    StoreApi api = StoreApi.allInOne(TestStore.vertx(), TestStore.start());
    String admin = TestStore.token("views-admin", true);
    String shopper = TestStore.token("views-" + UUID.randomUUID().toString().substring(0, 8), false);
    String productId = api.createProduct(admin, "views-" + UUID.randomUUID(), "Copied Mug", 3.5, 10);
    Response first = api.post("cart", "/products/" + productId + "/view", shopper, null);
    assertThat(first.status()).as(first.toString()).isEqualTo(200);
    Instant saved = StoreApi.eventually(Duration.ofSeconds(5), () -> savedAt(productId), at -> at != null);

    for (int i = 0; i < 3; i++) {
      Response again = api.post("cart", "/products/" + productId + "/view", shopper, null);
      assertThat(again.status()).as(again.toString()).isEqualTo(200);
      assertThat(again.json().getJsonObject("product").getBoolean("stale")).isFalse();
      assertThat(api.addToCart(shopper, productId, 1).status()).isEqualTo(200);
    }
    Thread.sleep(200); // an add's copy is not awaited: give one time to land, if it were written
    assertThat(savedAt(productId)).as("the copy written by the first view, not rewritten").isEqualTo(saved);
  }

  private static Instant savedAt(String productId) {
    try {
      Cql cql = TestStore.cql();
      Row row = await(cql.one("test.snapshot", "SELECT saved_at FROM product_snapshots WHERE product_id = ?",
          UUID.fromString(productId)));
      return row == null ? null : row.getInstant("saved_at");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
