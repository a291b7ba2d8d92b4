package store.order;

import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import store.platform.Cql;

/**
 * The order service's CQL: orders by id (status changes under lightweight transactions, so replicas and admins
 * never race a transition twice), an index of orders per user, and the durable timer table the lifecycle polls,
 * which is what lets progress survive a restart.
 */
final class OrderRepository {
  /** Timers and retries live in one partition per minute of their due time, so no partition grows with time. */
  private static Instant minute(Instant at) {
    return at.truncatedTo(ChronoUnit.MINUTES);
  }

  static final List<String> SCHEMA = List.of(
      """
      CREATE TABLE IF NOT EXISTS orders (
        order_id uuid PRIMARY KEY, username text, items text, total decimal, status text, reservation_id text,
        created_at timestamp, updated_at timestamp, delivered_at timestamp, archived boolean)
      """,
      """
      CREATE TABLE IF NOT EXISTS orders_by_user (username text, order_id uuid, PRIMARY KEY ((username), order_id))
      """,
      """
      CREATE TABLE IF NOT EXISTS order_timers_by_minute (
        minute timestamp, due_at timestamp, order_id uuid, from_status text,
        PRIMARY KEY ((minute), due_at, order_id))
      """,
      """
      CREATE TABLE IF NOT EXISTS notifications_by_minute (
        minute timestamp, due_at timestamp, order_id uuid, status text, username text, changed_at timestamp,
        PRIMARY KEY ((minute), due_at, order_id, status))
      """,
      // an order about to be committed, filed under its minute: what a crash left half-made is found here
      """
      CREATE TABLE IF NOT EXISTS order_intents (
        minute timestamp, order_id uuid, reservation_id text, username text, PRIMARY KEY ((minute), order_id))
      """,
      """
      CREATE TABLE IF NOT EXISTS order_progress (name text PRIMARY KEY, done_until timestamp)
      """);
  private static final int INTENT_TTL_SECONDS = 7 * 24 * 3600;

  private final Cql cql;

  OrderRepository(Cql cql) {
    this.cql = cql;
  }

  Future<Void> createSchema() {
    return cql.ddl(SCHEMA);
  }

  /** Inserts the order unless its id exists; answers null when inserted, else the existing order. */
  Future<JsonObject> insert(JsonObject order, String reservationId) {
    Instant created = Instant.parse(order.getString("created_at"));
    return cql.conditional("order.insert", "INSERT INTO orders (order_id, username, items, total, status, "
                + "reservation_id, created_at, updated_at, archived) VALUES (?, ?, ?, ?, ?, ?, ?, ?, false) IF NOT EXISTS",
            UUID.fromString(order.getString("id")), order.getString("user_id"),
            order.getJsonArray("items").encode(), new BigDecimal(order.getValue("total").toString()),
            order.getString("status"), reservationId, created, created)
        .compose(row -> row.getBoolean(0)
            ? cql.run("order.by-user", "INSERT INTO orders_by_user (username, order_id) VALUES (?, ?)",
                order.getString("user_id"), UUID.fromString(order.getString("id"))).map(v -> (JsonObject) null)
            : Future.succeededFuture(toJson(row)));
  }

  Future<Void> recordIntent(UUID orderId, String reservationId, String username, Instant at) {
    return cql.run("intent.save", "INSERT INTO order_intents (minute, order_id, reservation_id, username) "
        + "VALUES (?, ?, ?, ?) USING TTL " + INTENT_TTL_SECONDS, at.truncatedTo(ChronoUnit.MINUTES), orderId,
        reservationId, username);
  }

  Future<List<Row>> intents(Instant minute) {
    return cql.rows("intent.bucket", "SELECT order_id, reservation_id, username FROM order_intents WHERE minute = ?",
        minute);
  }

  Future<Void> dropIntent(Instant minute, UUID orderId) {
    return cql.run("intent.drop", "DELETE FROM order_intents WHERE minute = ? AND order_id = ?",
        minute.truncatedTo(ChronoUnit.MINUTES), orderId);
  }

  /** The per-user index row of an order (idempotent): what a crash between the two inserts may have left out. */
  Future<Void> indexForUser(String username, UUID orderId) {
    return cql.run("order.by-user", "INSERT INTO orders_by_user (username, order_id) VALUES (?, ?)", username, orderId);
  }

  Future<Instant> doneUntil(String name) {
    return cql.one("order-progress.get", "SELECT done_until FROM order_progress WHERE name = ?", name)
        .map(row -> row == null ? null : row.getInstant(0));
  }

  Future<Void> setDoneUntil(String name, Instant until) {
    return cql.run("order-progress.set", "INSERT INTO order_progress (name, done_until) VALUES (?, ?)", name, until);
  }

  /** Every order's id, reservation and status: for the stock audit (an operator's tool), never a request. */
  Future<List<Row>> allReservations() {
    return cql.rows("order.all-reservations", "SELECT order_id, reservation_id, status FROM orders");
  }

  Future<Row> find(UUID id) {
    return cql.one("order.get", "SELECT * FROM orders WHERE order_id = ?", id);
  }

  Future<List<UUID>> idsOf(String username) {
    return cql.rows("order.ids", "SELECT order_id FROM orders_by_user WHERE username = ?", username)
        .map(rows -> rows.stream().map(r -> r.getUuid(0)).toList());
  }

  Future<List<Row>> all() {
    return cql.rows("order.all", "SELECT * FROM orders");
  }

  /** Moves the status only if it is still {@code from}; true when this call made the change. */
  Future<Boolean> transition(UUID id, OrderStatus from, OrderStatus to, Instant at) {
    return cql.conditional("order.transition", "UPDATE orders SET status = ?, updated_at = ?, delivered_at = ? "
            + "WHERE order_id = ? IF status = ?", to.name(), at, to == OrderStatus.DELIVERED ? at : null, id,
        from.name()).map(row -> row.getBoolean(0));
  }

  Future<Void> archive(UUID id) {
    return cql.run("order.archive", "UPDATE orders SET archived = true WHERE order_id = ?", id);
  }

  Future<Void> schedule(UUID id, OrderStatus from, Instant due) {
    return cql.run("timer.save", "INSERT INTO order_timers_by_minute (minute, due_at, order_id, from_status) "
        + "VALUES (?, ?, ?, ?)", minute(due), due, id, from.name());
  }

  /** The timers of one minute's partition that are due by {@code now}. */
  Future<List<Row>> dueTimers(Instant minute, Instant now) {
    return cql.rows("timer.due", "SELECT due_at, order_id, from_status FROM order_timers_by_minute "
        + "WHERE minute = ? AND due_at <= ?", minute, now);
  }

  Future<Void> dropTimer(Instant due, UUID id) {
    return cql.run("timer.drop", "DELETE FROM order_timers_by_minute WHERE minute = ? AND due_at = ? AND order_id = ?",
        minute(due), due, id);
  }

  /** A status notification the user service did not take; retried by the lifecycle until it does. */
  Future<Void> deferNotification(String username, UUID orderId, OrderStatus status, Instant changedAt, Instant due) {
    return cql.run("notification.defer", "INSERT INTO notifications_by_minute (minute, due_at, order_id, status, "
        + "username, changed_at) VALUES (?, ?, ?, ?, ?, ?)", minute(due), due, orderId, status.name(), username,
        changedAt);
  }

  Future<List<Row>> dueNotifications(Instant minute, Instant now) {
    return cql.rows("notification.due", "SELECT * FROM notifications_by_minute WHERE minute = ? AND due_at <= ?",
        minute, now);
  }

  Future<Void> dropNotification(Instant due, UUID orderId, String status) {
    return cql.run("notification.drop", "DELETE FROM notifications_by_minute WHERE minute = ? AND due_at = ? "
        + "AND order_id = ? AND status = ?", minute(due), due, orderId, status);
  }

  /**
   * Moves timers and retries from the single-partition tables of earlier versions ({@code order_timers},
   * {@code pending_notifications}, partition 0) into the per-minute ones; nothing to do when those never existed.
   */
  Future<Void> moveLegacyTimers() {
    Future<Void> timers = cql.client().executeWithFullFetch("SELECT due_at, order_id, from_status FROM order_timers "
        + "WHERE shard = 0").compose(rows -> Future.all(rows.stream().map(r -> schedule(r.getUuid("order_id"),
            OrderStatus.valueOf(r.getString("from_status")), r.getInstant("due_at"))).toList()))
        .compose(v -> cql.client().execute("TRUNCATE order_timers")).mapEmpty();
    Future<Void> notifications = cql.client().executeWithFullFetch("SELECT * FROM pending_notifications "
        + "WHERE shard = 0").compose(rows -> Future.all(rows.stream().map(r -> deferNotification(r.getString("username"),
            r.getUuid("order_id"), OrderStatus.valueOf(r.getString("status")), r.getInstant("changed_at"),
            r.getInstant("due_at"))).toList()))
        .compose(v -> cql.client().execute("TRUNCATE pending_notifications")).mapEmpty();
    return Future.join(timers, notifications).<Void>mapEmpty().recover(e -> Future.succeededFuture());
  }

  static JsonObject toJson(Row row) {
    return new JsonObject()
        .put("id", row.getUuid("order_id").toString())
        .put("user_id", row.getString("username"))
        .put("items", new JsonArray(row.getString("items")))
        .put("total", row.getBigDecimal("total"))
        .put("status", row.getString("status"))
        .put("created_at", String.valueOf(row.getInstant("created_at")))
        .put("updated_at", String.valueOf(row.getInstant("updated_at")));
  }
}
