package store.cart;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import store.platform.Cql;
import store.testing.StoreApi;
import store.testing.StoreApi.Response;
import store.testing.TestStore;

/**
 * A product view answers once the view is recorded: the trim of old views runs after the answer, and the product's
 * last known copy is written once a minute, not at every view.
 */
class RecentViewsTest {
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
    await(views.forgetViews(username, read));

    List<Row> left = await(views.views(username));
    assertThat(left).extracting(row -> row.getUuid("product_id")).as("the view recorded after the read stays")
        .containsExactly(seenAgain);
    assertThat(left.get(0).getInstant("viewed_at")).isAfter(start.plusSeconds(30));
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
