package store.platform;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a token is checked against on every request: each account's role and token version, in the platform-owned
 * table {@code account_state}. The user service writes it (registration, password change, role change, deletion);
 * every service reads it through a short-lived cache, so a demoted admin or a changed password takes effect on the
 * next request in this process, and within {@code security.account-cache-ms} in the others.
 *
 * <p>The cache holds values, never futures: a value can be read from any event loop.
 */
public final class Accounts {
  /** The platform's table of account state (every service reads it), with the column added after its release. */
  public static final Schema SCHEMA = new Schema("platform", List.of(
      "CREATE TABLE IF NOT EXISTS account_state (username text PRIMARY KEY, version int, is_admin boolean)"),
      List.of(new Schema.AddedColumn("account_state", "deleted", "boolean")));

  /** An account's current role and token version; tokens carrying another version are revoked. */
  public record State(int version, boolean admin) {
  }

  /**
   * The name belonged to an account that was deleted. Such a name is never given to a second owner: the cart, order
   * and view tables are keyed by user name, so a new owner would inherit the old account's data.
   */
  public static final class RetiredName extends RuntimeException {
    public RetiredName(String username) {
      super("The name " + username + " belonged to a deleted account", null, false, false);
    }
  }

  private final Cql cql;
  private final Cache<String, Optional<State>> cache;

  public Accounts(Cql cql, long cacheMs) {
    this.cql = cql;
    this.cache = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(Duration.ofMillis(cacheMs)).build();
  }

  /** The account's state, or null when there is no such account (deleted, or never registered). */
  public Future<State> state(String username) {
    Optional<State> known = cache.getIfPresent(username);
    if (known != null) {
      return Future.succeededFuture(known.orElse(null));
    }
    return read(username).map(stored -> {
      State state = stored == null ? null : stored.live();
      cache.put(username, Optional.ofNullable(state));
      return state;
    });
  }

  /**
   * The account's state when this process has it in memory and it is live, else null (not known here, or gone):
   * the answer of {@link #state} without a future, for the requests that find everything in memory.
   */
  public State known(String username) {
    Optional<State> known = cache.getIfPresent(username);
    return known == null ? null : known.orElse(null);
  }

  /**
   * The stored row, deleted accounts included: a deleted account keeps its row (a tombstone with its last token
   * version), which retires the name for good.
   */
  private record Stored(int version, boolean admin, boolean deleted) {
    State live() {
      return deleted ? null : new State(version, admin);
    }
  }

  private Future<Stored> read(String username) {
    return cql.one("account.get", "SELECT version, is_admin, deleted FROM account_state WHERE username = ?", username)
        .map(row -> row == null ? null
            : new Stored(row.getInt("version"), row.getBoolean("is_admin"), row.getBoolean("deleted")));
  }

  /**
   * A new account (its name already claimed by the user service): version 0, or past the versions of a row written
   * before it (a revocation of a name not yet registered). Fails with {@link RetiredName} for a deleted account's name.
   */
  public Future<State> created(String username, boolean admin) {
    return untilApplied(() -> read(username).compose(stored -> {
      if (stored == null) {
        return insertFirst(username, new State(0, admin));
      }
      return stored.deleted() ? Future.failedFuture(new RetiredName(username))
          : move(username, stored, new State(stored.version() + 1, admin), false);
    }));
  }

  /**
   * The account's state, created at version 0 if missing (e.g. an account made before this table existed). Fails
   * with {@link RetiredName} for a deleted account, whose user row only a registration racing its deletion can have
   * left behind, for the moment until that registration takes it back.
   */
  public Future<State> ensure(String username, boolean admin) {
    return untilApplied(() -> read(username).compose(stored -> {
      if (stored == null) {
        return insertFirst(username, new State(0, admin));
      }
      return stored.deleted() ? Future.failedFuture(new RetiredName(username))
          : Future.succeededFuture(remember(username, stored.live()));
    }));
  }

  /**
   * Revokes every token issued so far (a password or role change): the version moves on by compare-and-set, so two
   * concurrent changes both count. {@code admin} null keeps the role.
   */
  public Future<State> revokeTokens(String username, Boolean admin) {
    return untilApplied(() -> read(username).compose(stored -> stored == null
        ? insertFirst(username, new State(1, Boolean.TRUE.equals(admin)))
        : move(username, stored, new State(stored.version() + 1, admin == null ? stored.admin() : admin),
            stored.deleted())));
  }

  /** The account is gone: its tokens stop working, and its name cannot be registered again ({@link #created}). */
  public Future<Void> deleted(String username) {
    return untilApplied(() -> read(username).compose(stored -> stored == null || stored.deleted()
            ? Future.succeededFuture(new State(stored == null ? 0 : stored.version(), false)) // nothing to revoke
            : move(username, stored, new State(stored.version() + 1, false), true)))
        .<Void>mapEmpty().onSuccess(v -> cache.put(username, Optional.empty()));
  }

  /** Runs a read-then-compare-and-set until its write applies (null: the row moved meanwhile, read it again). */
  private static Future<State> untilApplied(Supplier<Future<State>> attempt) {
    return attempt.get().compose(done -> done != null ? Future.succeededFuture(done) : untilApplied(attempt));
  }

  /** Inserts the account's first row; null when another writer got there first (read again and retry). */
  private Future<State> insertFirst(String username, State state) {
    return Cql.settled(cql.conditional("account.insert", "INSERT INTO account_state (username, version, is_admin, "
            + "deleted) VALUES (?, ?, ?, false) IF NOT EXISTS", username, state.version(), state.admin())
        .map(row -> row.getBoolean(0) ? remember(username, state) : null),
        () -> settledRow(username).map(stored -> stored.equals(new Stored(state.version(), state.admin(), false))
            ? remember(username, state) : null));
  }

  /** Moves the row from {@code current} to {@code next} by compare-and-set; null when it moved meanwhile. */
  private Future<State> move(String username, Stored current, State next, boolean deleted) {
    return Cql.settled(cql.conditional("account.revoke", "UPDATE account_state SET version = ?, is_admin = ?, "
            + "deleted = ? WHERE username = ? IF version = ?", next.version(), next.admin(), deleted, username,
            current.version())
        .map(row -> row.getBoolean(0) ? (deleted ? next : remember(username, next)) : null),
        // versions only grow: the row at the next version, as this call would have left it, is this call's doing
        () -> settledRow(username).map(stored -> stored.equals(new Stored(next.version(), next.admin(), deleted))
            ? (deleted ? next : remember(username, next)) : null));
  }

  /** The row read back at the serial consistency, after a compare-and-set whose outcome was unknown. */
  private Future<Stored> settledRow(String username) {
    return cql.serialOne("account.check", "SELECT version, is_admin, deleted FROM account_state WHERE username = ?",
        username).compose(row -> row == null ? Future.failedFuture("no account row")
            : Future.succeededFuture(new Stored(row.getInt("version"), row.getBoolean("is_admin"),
                row.getBoolean("deleted"))));
  }

  private State remember(String username, State state) {
    cache.put(username, Optional.of(state));
    return state;
  }
}
