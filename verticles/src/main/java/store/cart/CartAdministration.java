package store.cart;

import io.vertx.core.Future;
import store.platform.Cql;

/**
 * What the operator's {@code delete-user} asks of the cart: forget the account's cart lines, recent views and
 * checkout records. Orders are the order service's business records and stay (no one can log in to see them).
 */
public final class CartAdministration {
  private final CartRepository repository;

  public CartAdministration(Cql cql) {
    this.repository = new CartRepository(cql);
  }

  public Future<Void> forget(String username) {
    return repository.forgetUser(username);
  }
}
