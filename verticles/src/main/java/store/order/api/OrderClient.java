package store.order.api;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.UUID;
import store.platform.Caller;
import store.platform.transport.ServiceChannel;

/** What other services (cart, user) may ask of the order service, on behalf of the caller. */
public final class OrderClient {
  /** Creation is keyed by the order id the caller chose, so a retry finds the same order. */
  public static final Set<String> IDEMPOTENT = Set.of("create", "get", "list-for-user");

  private final ServiceChannel channel;

  public OrderClient(ServiceChannel channel) {
    this.channel = channel;
  }

  /**
   * Records an order for stock the catalog has already reserved for the caller under {@code reservationId}
   * ({@code order:<orderId>}); the order service reads lines and prices from that reservation.
   */
  public Future<JsonObject> create(Caller caller, UUID orderId, String reservationId) {
    return channel.call("create", new JsonObject().put("order_id", orderId.toString())
        .put("reservation_id", reservationId), caller);
  }

  /** One order, if the caller may see it. */
  public Future<JsonObject> get(Caller caller, UUID orderId) {
    return channel.call("get", new JsonObject().put("order_id", orderId.toString()), caller);
  }

  /** The caller's orders, newest first, history included. */
  public Future<JsonArray> listForUser(Caller caller) {
    return channel.call("list-for-user", new JsonObject(), caller).map(json -> json.getJsonArray("orders"));
  }
}
