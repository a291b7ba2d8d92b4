package store.platform;

import com.datastax.oss.driver.api.core.cql.Row;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a token is checked against on every request: each account's role and token version, in the platform-owned
 * table {@code account_state}. The user service writes it (registration, password change, role change, deletion);
 * every service reads it through a short-lived cache, so a demoted admin or a changed password takes effect on the
 * next request in this process, and within {@code security.account-cache-ms} in the others.
 *
 * <p>The cache holds values, never futures: a value can be read from any event loop.
 */
public final class Accounts {
  static final List<String> SCHEMA = List.of(
      "CREATE TABLE IF NOT EXISTS account_state (username text PRIMARY KEY, version int, is_admin boolean)");

  /** An account's current role and token version; tokens carrying another version are revoked. */
  public record State(int version, boolean admin) {
  }

  private final Cql cql;
  private final Cache<String, Optional<State>> cache;

  public Accounts(Cql cql, long cacheMs) {
    this.cql = cql;
    this.cache = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(Duration.ofMillis(cacheMs)).build();
  }

  public Future<Void> createSchema() {
    return cql.ddl(SCHEMA);
  }

  /** The account's state, or null when there is no such account (deleted, or never registered). */
  public Future<State> state(String username) {
    Optional<State> known = cache.getIfPresent(username);
    if (known != null) {
      return Future.succeededFuture(known.orElse(null));
    }
    return read(username).map(state -> {
      cache.put(username, Optional.ofNullable(state));
      return state;
    });
  }

  private Future<State> read(String username) {
    return cql.one("account.get", "SELECT version, is_admin FROM account_state WHERE username = ?", username)
        .map(Accounts::toState);
  }

  private static State toState(Row row) {
    return row == null ? null : new State(row.getInt("version"), row.getBoolean("is_admin"));
  }

  /** A new account (its name already claimed by the user service): version 0. */
  public Future<State> created(String username, boolean admin) {
    State state = new State(0, admin);
    return cql.run("account.create", "INSERT INTO account_state (username, version, is_admin) VALUES (?, ?, ?)",
        username, 0, admin).map(v -> {
          cache.put(username, Optional.of(state));
          return state;
        });
  }

  /** The account's state, created at version 0 if missing (e.g. an account made before this table existed). */
  public Future<State> ensure(String username, boolean admin) {
    return read(username).compose(current -> current != null ? Future.succeededFuture(remember(username, current))
        : cql.conditional("account.insert", "INSERT INTO account_state (username, version, is_admin) "
            + "VALUES (?, ?, ?) IF NOT EXISTS", username, 0, admin)
            .compose(row -> row.getBoolean(0) ? Future.succeededFuture(remember(username, new State(0, admin)))
                : ensure(username, admin)));
  }

  /**
   * Revokes every token issued so far (a password or role change): the version moves on by compare-and-set, so two
   * concurrent changes both count. {@code admin} null keeps the role.
   */
  public Future<State> revokeTokens(String username, Boolean admin) {
    return read(username).compose(current -> {
      if (current == null) {
        State first = new State(1, Boolean.TRUE.equals(admin));
        return cql.conditional("account.insert", "INSERT INTO account_state (username, version, is_admin) "
            + "VALUES (?, ?, ?) IF NOT EXISTS", username, first.version(), first.admin())
            .compose(row -> row.getBoolean(0) ? Future.succeededFuture(remember(username, first))
                : revokeTokens(username, admin));
      }
      State next = new State(current.version() + 1, admin == null ? current.admin() : admin);
      return cql.conditional("account.revoke", "UPDATE account_state SET version = ?, is_admin = ? WHERE username = ? "
              + "IF version = ?", next.version(), next.admin(), username, current.version())
          .compose(row -> row.getBoolean(0) ? Future.succeededFuture(remember(username, next))
              : revokeTokens(username, admin));
    });
  }

  /** The account is gone: its tokens stop working. */
  public Future<Void> deleted(String username) {
    return cql.run("account.delete", "DELETE FROM account_state WHERE username = ?", username)
        .onSuccess(v -> cache.put(username, Optional.empty()));
  }

  private State remember(String username, State state) {
    cache.put(username, Optional.of(state));
    return state;
  }
}
