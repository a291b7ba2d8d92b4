package store.cart.api;

import io.vertx.core.Future;
import store.cart.api.CartOperations.Cart;
import store.order.api.OrderOperations.Order;
import store.platform.Caller;
import store.platform.transport.ServiceChannel;
import store.platform.transport.Operation.NoArguments;

/** What other services (the user service) may ask of the cart, on behalf of the caller. */
public final class CartClient {
  private final ServiceChannel channel;

  public CartClient(ServiceChannel channel) {
    this.channel = channel;
  }

  /** The caller's cart. */
  public Future<Cart> cart(Caller caller) {
    return channel.call(CartOperations.GET_CART, new NoArguments(), caller);
  }

  /** Checks out the caller's cart; answers the order. {@code idempotencyKey} may be null. */
  public Future<Order> checkout(Caller caller, String idempotencyKey) {
    return channel.call(CartOperations.CHECKOUT, new CartOperations.Checkout(idempotencyKey), caller);
  }
}
