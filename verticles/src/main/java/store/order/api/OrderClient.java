package store.order.api;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import java.util.UUID;
import store.order.api.OrderOperations.Order;
import store.order.api.OrderOperations.OrderList;
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
   * Places the order {@code orderId} for {@code lines} ({@code [{product_id, quantity}]}): the order service reserves
   * them at the catalog (all or none) and records the order, at the catalog's names and prices. Safe to repeat: the
   * same order id answers the same order. A 409 problem {@code reservation-closed} means an earlier try under this
   * id gave its stock back and no order can be made under it.
   */
  public Future<Order> place(Caller caller, UUID orderId, JsonArray lines) {
    return channel.call(OrderOperations.PLACE, new OrderOperations.Place(orderId, lines), caller);
  }

  /**
   * Records an order for stock the catalog has already reserved for the caller under {@code reservationId}
   * ({@code order:<orderId>}); the order service reads lines and prices from that reservation.
   */
  public Future<Order> create(Caller caller, UUID orderId, String reservationId) {
    return channel.call(OrderOperations.CREATE, new OrderOperations.Create(orderId, reservationId), caller);
  }

  /** One order, if the caller may see it. */
  public Future<Order> get(Caller caller, UUID orderId) {
    return channel.call(OrderOperations.GET, new OrderOperations.OrderRef(orderId), caller);
  }

  /** The caller's orders, newest first, history included. */
  public Future<OrderList> listForUser(Caller caller) {
    return channel.call(OrderOperations.LIST_FOR_USER, new NoArguments(), caller);
  }
}
