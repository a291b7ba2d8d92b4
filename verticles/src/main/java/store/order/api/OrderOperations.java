package store.order.api;

import static store.platform.Responses.decimal;
import static store.platform.Responses.uuid;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import store.catalog.api.CatalogOperations;
import store.platform.transport.Operation;
import store.platform.transport.Operation.Codec;
import store.platform.transport.Operation.NoArguments;

/**
 * The order service's internal operations: declared here once, called by {@link OrderClient}, served by the order
 * module. Creation is keyed by the order id the caller chose, so every operation is safe to repeat.
 */
public final class OrderOperations {
  private static final String ORDER_ID = "order_id";
  private static final String RESERVATION_ID = "reservation_id";
  private static final String ORDERS = "orders";
  private static final String ID = "id";
  private static final String PRODUCT_ID = "product_id";
  private static final String PRICE = "price";
  private static final String QUANTITY = "quantity";
  private static final String ITEMS = "items";
  private static final String TOTAL = "total";
  private static final String LINES = "lines";

  /**
   * Closed attempts one request walks past before it gives up: the cart remembers where a key's last try got to, so
   * a retry starts there; the order service's own {@code POST /orders/} starts from the first every time.
   */
  public static final int MAX_ATTEMPTS = 50;

  private OrderOperations() {
  }

  /**
   * The order id of attempt {@code attempt} at an order under an {@code Idempotency-Key}, the same for the cart's
   * checkout and the order service's own {@code POST /orders/}: the first is the key's; a later one is used only once
   * the attempts before it are known to have made no order (their reservations closed: stock given back).
   */
  public static UUID orderIdFor(String username, String idempotencyKey, int attempt) {
    String name = username + "\n" + idempotencyKey + (attempt == 0 ? "" : "\n" + attempt);
    return UUID.nameUUIDFromBytes(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Records an order for the stock the catalog reserved under {@code reservationId} ({@code order:<orderId>}). */
  public record Create(UUID orderId, String reservationId) {
  }

  /**
   * Places an order for {@code lines} ({@code [{product_id, quantity}]}): the order service files its intent, then has
   * the catalog reserve and commit the stock under {@code order:<orderId>} in one move.
   */
  public record Place(UUID orderId, JsonArray lines) {
  }

  /** An order, by id. */
  public record OrderRef(UUID orderId) {
  }

  /** One line of an order, at the catalog's name and price when it was ordered. */
  public record Item(UUID productId, String name, BigDecimal price, int quantity) {

    JsonObject toJson() {
      return new JsonObject().put(PRODUCT_ID, productId.toString()).put("name", name).put(PRICE, price)
          .put(QUANTITY, quantity);
    }

    static Item fromJson(JsonObject json) {
      return new Item(uuid(json.getString(PRODUCT_ID), PRODUCT_ID), json.getString("name"), decimal(json, PRICE),
          json.getInteger(QUANTITY));
    }
  }

  /** An order; its JSON is the public API's order ({@code created_at}, {@code updated_at} as ISO-8601 text). */
  public record Order(UUID id, String userId, List<Item> items, BigDecimal total, String status, String createdAt,
      String updatedAt) {

    public JsonObject toJson() {
      JsonArray encoded = new JsonArray();
      items.forEach(item -> encoded.add(item.toJson()));
      return new JsonObject().put(ID, id.toString()).put("user_id", userId).put(ITEMS, encoded).put(TOTAL, total)
          .put("status", status).put("created_at", createdAt).put("updated_at", updatedAt);
    }

    public static Order fromJson(JsonObject json) {
      return new Order(uuid(json.getString(ID), ID), json.getString("user_id"), json.getJsonArray(ITEMS,
          new JsonArray()).stream().map(o -> Item.fromJson((JsonObject) o)).toList(), decimal(json, TOTAL),
          json.getString("status"), json.getString("created_at"), json.getString("updated_at"));
    }
  }

  /** Orders, newest first. */
  public record OrderList(List<Order> orders) {

    public JsonArray toJson() {
      JsonArray encoded = new JsonArray();
      orders.forEach(order -> encoded.add(order.toJson()));
      return encoded;
    }
  }

  private static final Codec<Order> ORDER = new Codec<>(Order::toJson, Order::fromJson);

  public static final Operation<Create, Order> CREATE = new Operation<>("create", Set.of("cart"), true,
      new Codec<>(create -> new JsonObject().put(ORDER_ID, create.orderId().toString())
          .put(RESERVATION_ID, create.reservationId()),
          json -> new Create(uuid(json.getString(ORDER_ID), ORDER_ID), json.getString(RESERVATION_ID))),
      ORDER).calling(CatalogOperations.COMMIT_RESERVATION);

  public static final Operation<Place, Order> PLACE = new Operation<>("place", Set.of("cart"), true,
      new Codec<>(place -> new JsonObject().put(ORDER_ID, place.orderId().toString()).put(LINES, place.lines()),
          json -> new Place(uuid(json.getString(ORDER_ID), ORDER_ID), json.getJsonArray(LINES, new JsonArray()))),
      ORDER).calling(CatalogOperations.RESERVE_ORDERED);

  public static final Operation<OrderRef, Order> GET = new Operation<>("get", Set.of("cart"), true,
      new Codec<>(ref -> new JsonObject().put(ORDER_ID, ref.orderId().toString()),
          json -> new OrderRef(uuid(json.getString(ORDER_ID), ORDER_ID))),
      ORDER);

  /** The caller's orders, newest first, history included. */
  public static final Operation<NoArguments, OrderList> LIST_FOR_USER = new Operation<>("list-for-user",
      Set.of("user"), true, Operation.NO_ARGUMENTS,
      new Codec<>(list -> new JsonObject().put(ORDERS, list.toJson()), json -> new OrderList(
          json.getJsonArray(ORDERS, new JsonArray()).stream().map(o -> Order.fromJson((JsonObject) o)).toList())));

  public static final List<Operation<?, ?>> ALL = List.of(PLACE, CREATE, GET, LIST_FOR_USER);
}
