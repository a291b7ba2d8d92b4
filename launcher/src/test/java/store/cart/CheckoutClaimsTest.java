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
    StoreApi.await(repository.completeCheckout(user, "k:done", order));
    Row done = row(user, "k:done");
    assertThat(done.getString("state")).isEqualTo("DONE");
    assertThat(done.getUuid("order_id")).isEqualTo(order);
    assertThat(done.isNull("ttl")).as("a retry days later still finds its order").isTrue();
  }
}
