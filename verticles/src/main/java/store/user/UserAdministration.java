package store.user;

import io.vertx.core.Future;
import java.util.function.Supplier;
import store.platform.Accounts;
import store.platform.Cql;
import store.platform.ProblemException;

/**
 * What an operator does to accounts from the launcher ({@code grant-admin}, {@code revoke-admin},
 * {@code delete-user}): the stored role and the account's token version change together, so the user's earlier
 * tokens stop working on their next request. A deleted account's name is retired ({@code Accounts.created}).
 */
public final class UserAdministration {
  private final UserRepository repository;
  private final Accounts accounts;

  public UserAdministration(Cql cql, Accounts accounts) {
    this.repository = new UserRepository(cql);
    this.accounts = accounts;
  }

  public Future<Void> setAdmin(String username, boolean admin) {
    return requireAccount(username)
        .compose(v -> repository.setAdmin(username, admin))
        .compose(v -> accounts.revokeTokens(username, admin))
        .mapEmpty();
  }

  /**
   * Deletes the account: its tokens are revoked first, then {@code forgetElsewhere} erases what other services keep
   * under its name, and the user row goes last, so a command that failed half-way can be run again.
   */
  public Future<Void> delete(String username, Supplier<Future<Void>> forgetElsewhere) {
    return requireAccount(username)
        .compose(v -> accounts.deleted(username))
        .compose(v -> forgetElsewhere.get())
        .compose(v -> repository.delete(username));
  }

  private Future<Void> requireAccount(String username) {
    return repository.find(username).compose(row -> row == null
        ? Future.failedFuture(ProblemException.notFound("No account named " + username))
        : Future.succeededFuture());
  }
}
