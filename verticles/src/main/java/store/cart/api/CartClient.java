package store.cart.api;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import store.platform.Caller;
import store.platform.transport.ServiceChannel;

/** What other services (the user service) may ask of the cart, on behalf of the caller. */
public final class CartClient {
  /** Checkout is not retried by the transport: a retry without the caller's idempotency key could double-order. */
  public static final Set<String> IDEMPOTENT = Set.of("get-cart");

  private final ServiceChannel channel;

  public CartClient(ServiceChannel channel) {
    this.channel = channel;
  }

  /** The caller's cart: {@code {items: [...], total}}. */
  public Future<JsonObject> cart(Caller caller) {
    return channel.call("get-cart", new JsonObject(), caller);
  }

  /** Checks out the caller's cart; answers the order. {@code idempotencyKey} may be null. */
  public Future<JsonObject> checkout(Caller caller, String idempotencyKey) {
    return channel.call("checkout", new JsonObject().put("idempotency_key", idempotencyKey), caller);
  }
}
