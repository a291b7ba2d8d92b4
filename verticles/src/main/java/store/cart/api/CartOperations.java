package store.cart.api;

import static store.platform.Responses.decimal;
import static store.platform.Responses.uuid;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import store.catalog.api.CatalogOperations;
import store.order.api.OrderOperations;
import store.order.api.OrderOperations.Order;
import store.platform.transport.Operation;
import store.platform.transport.Operation.Codec;
import store.platform.transport.Operation.NoArguments;

/**
 * The cart's internal operations: declared here once, called by {@link CartClient}, served by the cart module.
 * Checkout is never retried by the transport: a retry without the caller's idempotency key could order twice.
 */
public final class CartOperations {
  private static final String IDEMPOTENCY_KEY = "idempotency_key";
  private static final String ITEMS = "items";
  private static final String TOTAL = "total";
  private static final String PRODUCT_ID = "product_id";
  private static final String PRICE = "price";
  private static final String QUANTITY = "quantity";
  private static final String TOTAL_PRICE = "total_price";

  private CartOperations() {
  }

  /** Checks out the caller's cart; {@code idempotencyKey} may be null. */
  public record Checkout(String idempotencyKey) {
  }

  /** One line of a cart: the product's name and price as last seen, and what the line costs. */
  public record CartLine(UUID id, UUID productId, String name, BigDecimal price, int quantity,
      BigDecimal totalPrice) {

    public JsonObject toJson() {
      return new JsonObject().put("id", id.toString()).put(PRODUCT_ID, productId.toString()).put("name", name)
          .put(PRICE, price).put(QUANTITY, quantity).put(TOTAL_PRICE, totalPrice);
    }

    static CartLine fromJson(JsonObject json) {
      return new CartLine(uuid(json.getString("id"), "id"), uuid(json.getString(PRODUCT_ID), PRODUCT_ID),
          json.getString("name"), decimal(json, PRICE), json.getInteger(QUANTITY), decimal(json, TOTAL_PRICE));
    }
  }

  /** A cart; its JSON is the public API's cart. */
  public record Cart(List<CartLine> items, BigDecimal total) {

    public JsonObject toJson() {
      JsonArray encoded = new JsonArray();
      items.forEach(line -> encoded.add(line.toJson()));
      return new JsonObject().put(ITEMS, encoded).put(TOTAL, total);
    }

    public static Cart fromJson(JsonObject json) {
      return new Cart(json.getJsonArray(ITEMS, new JsonArray()).stream()
          .map(o -> CartLine.fromJson((JsonObject) o)).toList(), decimal(json, TOTAL));
    }
  }

  /** The caller's cart. */
  public static final Operation<NoArguments, Cart> GET_CART = new Operation<>("get-cart", Set.of("user"), true,
      Operation.NO_ARGUMENTS, new Codec<>(Cart::toJson, Cart::fromJson));

  /** Checks out the caller's cart: the order it placed. */
  public static final Operation<Checkout, Order> CHECKOUT = new Operation<>("checkout", Set.of("user"), false,
      new Codec<>(checkout -> new JsonObject().put(IDEMPOTENCY_KEY, checkout.idempotencyKey()),
          json -> new Checkout(json.getString(IDEMPOTENCY_KEY))),
      OrderOperations.CREATE.answer())
      .calling(OrderOperations.PLACE, OrderOperations.CREATE, OrderOperations.GET, CatalogOperations.GET_RESERVATION,
          CatalogOperations.RELEASE);

  public static final List<Operation<?, ?>> ALL = List.of(GET_CART, CHECKOUT);
}
