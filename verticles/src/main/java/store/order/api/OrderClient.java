package store.order.api;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import store.platform.Caller;
import store.platform.transport.ServiceChannel;
import store.platform.transport.Operation.NoArguments;

/** What other services (cart, user) may ask of the order service, on behalf of the caller. */
public final class OrderClient {
  private final ServiceChannel channel;

  public OrderClient(ServiceChannel channel) {
    this.channel = channel;
  }

  /**
   * Records an order for stock the catalog has already reserved for the caller under {@code reservationId}
   * ({@code order:<orderId>}); the order service reads lines and prices from that reservation.
   */
  public Future<JsonObject> create(Caller caller, UUID orderId, String reservationId) {
    return channel.call(OrderOperations.CREATE, new OrderOperations.Create(orderId, reservationId), caller);
  }

  /** One order, if the caller may see it. */
  public Future<JsonObject> get(Caller caller, UUID orderId) {
    return channel.call(OrderOperations.GET, new OrderOperations.OrderRef(orderId), caller);
  }

  /** The caller's orders, newest first, history included. */
  public Future<JsonArray> listForUser(Caller caller) {
    return channel.call(OrderOperations.LIST_FOR_USER, new NoArguments(), caller).map(OrderOperations::orders);
  }
}
