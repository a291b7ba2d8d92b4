package store.cart.api;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import store.platform.transport.Operation;
import store.platform.transport.Operation.NoArguments;

/**
 * The cart's internal operations: declared here once, called by {@link CartClient}, served by the cart module.
 * Checkout is never retried by the transport: a retry without the caller's idempotency key could order twice.
 */
public final class CartOperations {
  private static final String IDEMPOTENCY_KEY = "idempotency_key";

  private CartOperations() {
  }

  /** Checks out the caller's cart; {@code idempotencyKey} may be null. */
  public record Checkout(String idempotencyKey) {
  }

  /** The caller's cart: {@code {items: [...], total}}. */
  public static final Operation<NoArguments> GET_CART = Operation.withoutArguments("get-cart", Set.of("user"), true);

  public static final Operation<Checkout> CHECKOUT = new Operation<>("checkout", Set.of("user"), false,
      checkout -> new JsonObject().put(IDEMPOTENCY_KEY, checkout.idempotencyKey()),
      json -> new Checkout(json.getString(IDEMPOTENCY_KEY)));

  public static final List<Operation<?>> ALL = List.of(GET_CART, CHECKOUT);
}
