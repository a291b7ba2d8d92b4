package store.platform.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import store.cart.api.CartOperations;
import store.cart.api.CartOperations.Cart;
import store.cart.api.CartOperations.CartLine;
import store.catalog.api.CatalogOperations;
import store.catalog.api.CatalogOperations.Commit;
import store.catalog.api.CatalogOperations.Line;
import store.catalog.api.CatalogOperations.Product;
import store.catalog.api.CatalogOperations.Release;
import store.catalog.api.CatalogOperations.Reservation;
import store.order.api.OrderOperations;
import store.order.api.OrderOperations.Item;
import store.order.api.OrderOperations.Order;
import store.order.api.OrderOperations.OrderList;

/**
 * Every answer record survives the trip a remote answer takes (encoded, sent as text, parsed, decoded) unchanged,
 * and the answers that are also public documents have exactly the public API's field names.
 */
class AnswerRecordsTest {
  private static final UUID PRODUCT = UUID.randomUUID();
  private static final Order ORDER = new Order(UUID.randomUUID(), "ann", List.of(new Item(PRODUCT, "Lamp",
      new BigDecimal("12.50"), 2)), new BigDecimal("25.00"), "CREATED", Instant.now().toString(),
      Instant.now().toString());

  /** What the HTTP transport does to an answer: JSON text in between. */
  private static <A> A overTheWire(Operation<?, A> operation, A answer) {
    String text = operation.answer().encode().apply(answer).encode();
    return operation.answer().decode().apply(new JsonObject(text));
  }

  @Test
  void everyAnswerSurvivesTheWire() {
    Product product = new Product(PRODUCT, "Lamp", "lighting", new BigDecimal("12.5"), 3, null, "Acme");
    assertThat(overTheWire(CatalogOperations.GET_PRODUCT, product)).isEqualTo(product);
    Reservation reservation = new Reservation("order:x", "ORDERED", "ann",
        List.of(new Line(PRODUCT, "Lamp", new BigDecimal("12.5"), 2)));
    for (Operation<?, Reservation> op : List.of(CatalogOperations.RESERVE, CatalogOperations.GET_RESERVATION)) {
      assertThat(overTheWire(op, reservation)).as(op.name()).isEqualTo(reservation);
    }
    for (boolean committedNow : new boolean[] {true, false}) {
      Commit commit = new Commit(reservation, committedNow, java.time.Instant.parse("2026-12-01T17:02:03.456Z"));
      assertThat(overTheWire(CatalogOperations.COMMIT_RESERVATION, commit)).isEqualTo(commit);
    }
    Commit unknownTime = new Commit(reservation, false, null); // committed before the catalog kept the time
    assertThat(overTheWire(CatalogOperations.COMMIT_RESERVATION, unknownTime)).isEqualTo(unknownTime);
    Release release = new Release("order:x", true, "RELEASED");
    assertThat(overTheWire(CatalogOperations.RELEASE, release)).isEqualTo(release);
    Order decimalsAsSent = Order.fromJson(new JsonObject(ORDER.toJson().encode()));
    assertThat(overTheWire(OrderOperations.CREATE, ORDER)).isEqualTo(decimalsAsSent);
    assertThat(overTheWire(OrderOperations.LIST_FOR_USER, new OrderList(List.of(ORDER))).orders())
        .containsExactly(decimalsAsSent);
    assertThat(overTheWire(CartOperations.CHECKOUT, ORDER)).isEqualTo(decimalsAsSent);
    Cart cart = new Cart(List.of(new CartLine(UUID.randomUUID(), PRODUCT, "Lamp", new BigDecimal("12.5"), 2,
        new BigDecimal("25.0"))), new BigDecimal("25.0"));
    assertThat(overTheWire(CartOperations.GET_CART, cart)).isEqualTo(cart);
  }

  @Test
  void publicDocumentsKeepThePublicFieldNames() {
    JsonObject order = ORDER.toJson();
    assertThat(order.fieldNames()).containsExactlyInAnyOrder("id", "user_id", "items", "total", "status",
        "created_at", "updated_at");
    assertThat(order.getJsonArray("items").getJsonObject(0).fieldNames())
        .containsExactlyInAnyOrder("product_id", "name", "price", "quantity");
    assertThat(new Product(PRODUCT, "Lamp", "lighting", BigDecimal.ONE, 1, "d", "m").toJson().fieldNames())
        .containsExactlyInAnyOrder("product_id", "name", "category", "price", "stock_count", "description",
            "manufacturer");
    JsonObject cart = new Cart(List.of(new CartLine(UUID.randomUUID(), PRODUCT, "Lamp", BigDecimal.ONE, 1,
        BigDecimal.ONE)), BigDecimal.ONE).toJson();
    assertThat(cart.fieldNames()).containsExactlyInAnyOrder("items", "total");
    assertThat(cart.getJsonArray("items").getJsonObject(0).fieldNames())
        .containsExactlyInAnyOrder("id", "product_id", "name", "price", "quantity", "total_price");
  }
}
