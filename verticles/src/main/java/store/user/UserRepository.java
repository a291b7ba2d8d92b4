package store.user;

import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import store.platform.Cql;
import store.platform.Schema;

/** The user service's CQL: accounts by username, and each user's notifications in time order. */
final class UserRepository {
  static final Schema SCHEMA = new Schema("user", List.of(
      """
      CREATE TABLE IF NOT EXISTS users (
        username text PRIMARY KEY, id uuid, password_hash text, full_name text, phone text, email text,
        is_admin boolean, created_at timestamp)
      """,
      """
      CREATE TABLE IF NOT EXISTS notifications (
        username text, created_at timestamp, order_id uuid, status text, message text,
        PRIMARY KEY ((username), created_at, order_id, status))
      """));

  private final Cql cql;

  UserRepository(Cql cql) {
    this.cql = cql;
  }


  /**
   * True when the username was free and is now taken by this user. An insert whose outcome Cassandra could not
   * confirm is read back: the row with this user's id means it applied (a registration retried after a 504 must not
   * find its own account "taken").
   */
  Future<Boolean> insert(JsonObject user, String passwordHash) {
    String username = user.getString("username");
    UUID id = UUID.fromString(user.getString("id"));
    return Cql.settled(cql.conditional("user.insert", "INSERT INTO users (username, id, password_hash, full_name, "
            + "phone, email, is_admin, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS",
        username, id, passwordHash, user.getString("full_name"), user.getString("phone"), user.getString("email"),
        user.getBoolean("is_admin"), Instant.parse(user.getString("created_at"))).map(row -> row.getBoolean(0)),
        () -> cql.serialOne("user.insert-check", "SELECT id FROM users WHERE username = ?", username)
            .compose(row -> row == null ? Future.failedFuture("no user row") // then the timeout stands
                : Future.succeededFuture(id.equals(row.getUuid("id")))));
  }

  /** Takes back a registration's row (only that registration's, by its id): its name turned out to be retired. */
  Future<Void> takeBack(String username, UUID id) {
    return cql.conditional("user.take-back", "DELETE FROM users WHERE username = ? IF id = ?", username, id)
        .mapEmpty();
  }

  Future<Row> find(String username) {
    return cql.one("user.get", "SELECT * FROM users WHERE username = ?", username);
  }

  Future<Void> update(String username, String fullName, String phone, String email, String passwordHash) {
    return cql.run("user.update", "UPDATE users SET full_name = ?, phone = ?, email = ?, password_hash = ? "
        + "WHERE username = ?", fullName, phone, email, passwordHash, username);
  }

  Future<Void> setAdmin(String username, boolean admin) {
    return cql.run("user.role", "UPDATE users SET is_admin = ? WHERE username = ?", admin, username);
  }

  Future<Void> delete(String username) {
    return cql.run("user.delete", "BEGIN BATCH DELETE FROM users WHERE username = ?; "
        + "DELETE FROM notifications WHERE username = ?; APPLY BATCH", username, username);
  }

  Future<Void> addNotification(String username, Instant at, UUID orderId, String status, String message) {
    return cql.run("notification.save", "INSERT INTO notifications (username, created_at, order_id, status, message) "
        + "VALUES (?, ?, ?, ?, ?)", username, at, orderId, status, message);
  }

  Future<List<Row>> notifications(String username) {
    return cql.rows("notification.list", "SELECT * FROM notifications WHERE username = ?", username);
  }
}
