package store.order.api;

import static store.platform.Responses.uuid;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import store.platform.transport.Operation;
import store.platform.transport.Operation.NoArguments;

/**
 * The order service's internal operations: declared here once, called by {@link OrderClient}, served by the order
 * module. Creation is keyed by the order id the caller chose, so every operation is safe to repeat.
 */
public final class OrderOperations {
  private static final String ORDER_ID = "order_id";
  private static final String RESERVATION_ID = "reservation_id";
  private static final String ORDERS = "orders";

  private OrderOperations() {
  }

  /** Records an order for the stock the catalog reserved under {@code reservationId} ({@code order:<orderId>}). */
  public record Create(UUID orderId, String reservationId) {
  }

  /** An order, by id. */
  public record OrderRef(UUID orderId) {
  }

  public static final Operation<Create> CREATE = new Operation<>("create", Set.of("cart"), true,
      create -> new JsonObject().put(ORDER_ID, create.orderId().toString())
          .put(RESERVATION_ID, create.reservationId()),
      json -> new Create(uuid(json.getString(ORDER_ID), ORDER_ID), json.getString(RESERVATION_ID)));

  public static final Operation<OrderRef> GET = new Operation<>("get", Set.of("cart"), true,
      ref -> new JsonObject().put(ORDER_ID, ref.orderId().toString()),
      json -> new OrderRef(uuid(json.getString(ORDER_ID), ORDER_ID)));

  /** The caller's orders, newest first, history included: answered as {@link #orderList}. */
  public static final Operation<NoArguments> LIST_FOR_USER = Operation.withoutArguments("list-for-user",
      Set.of("user"), true);

  public static final List<Operation<?>> ALL = List.of(CREATE, GET, LIST_FOR_USER);

  /** The answer of {@link #LIST_FOR_USER}: a JSON object, as every internal answer is. */
  public static JsonObject orderList(JsonArray orders) {
    return new JsonObject().put(ORDERS, orders);
  }

  /** The orders in an answer of {@link #LIST_FOR_USER}. */
  public static JsonArray orders(JsonObject orderList) {
    return orderList.getJsonArray(ORDERS);
  }
}
