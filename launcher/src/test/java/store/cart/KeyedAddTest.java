package store.cart;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import store.cart.api.CartOperations;
import store.catalog.api.CatalogClient;
import store.order.api.OrderClient;
import store.platform.Caller;
import store.platform.transport.CallMetrics;
import store.platform.transport.EventBusChannel;
import store.testing.StoreApi;
import store.testing.TestStore;

/**
 * An add-to-cart with an Idempotency-Key, sent again while its first attempt is still on its way (a client that
 * timed out, or a gateway retrying on another cart replica): both attempts read the cart before either writes, and the
 * cart must still end with one line of the quantity asked for, not one line per attempt.
 */
class KeyedAddTest {
  @Test
  void aKeyedAddRetriedWhileTheFirstAttemptIsInFlightMakesOneLine() throws Exception {
    String base = TestStore.start();
    Vertx vertx = TestStore.vertx();
    StoreApi api = StoreApi.allInOne(vertx, base);
    String admin = TestStore.token("keyed-add-admin", true);
    UUID product = UUID.fromString(api.createProduct(admin, "keyed-add-" + UUID.randomUUID(), "Retried Mug", 3, 10));
    UUID other = UUID.fromString(api.createProduct(admin, "keyed-add-" + UUID.randomUUID(), "Other Mug", 4, 10));
    CallMetrics metrics = new CallMetrics(new SimpleMeterRegistry());
    CartService cart = new CartService(new CartRepository(TestStore.cql()),
        new CatalogClient(new EventBusChannel(vertx, "cart", "catalog", 10_000, metrics)),
        new OrderClient(new EventBusChannel(vertx, "cart", "order", 10_000, metrics)), new SimpleMeterRegistry(),
        10, 30);
    Caller shopper = new Caller("keyed-add-" + UUID.randomUUID().toString().substring(0, 8), false);

    // both attempts are started in one go on an event loop: each reads the (empty) cart before either one writes
    Future<List<JsonObject>> attempts = Future.future(promise -> vertx.runOnContext(v ->
        Future.all(cart.add(shopper, product, 2, "add-1"), cart.add(shopper, product, 2, "add-1"))
            .map(all -> all.<JsonObject>list()).onComplete(promise)));
    List<JsonObject> answers = StoreApi.await(attempts);
    assertThat(answers.get(1).getString("id")).as("both attempts answer the same line")
        .isEqualTo(answers.get(0).getString("id"));
    // the same key on another product is another add (a client reusing keys must not lose a line)
    StoreApi.await(cart.add(shopper, other, 1, "add-1"));

    CartOperations.Cart after = StoreApi.await(cart.cart(shopper.username()));
    assertThat(after.items()).as("one line per product: %s", after).hasSize(2);
    assertThat(after.items().stream().filter(i -> i.productId().equals(product))
        .mapToInt(CartOperations.CartLine::quantity).sum())
        .as("the quantity asked for, once").isEqualTo(2);
  }
}
