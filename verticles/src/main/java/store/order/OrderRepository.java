package store.order;

import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import store.platform.Cql;
import store.platform.Schema;

/**
 * The order service's CQL: orders by id (status changes under lightweight transactions, so replicas and admins
 * never race a transition twice), the lists' copies of each order (per user, per day), and the durable timer table
 * the lifecycle polls, which is what lets progress survive a restart.
 */
final class OrderRepository {
  /** Timers and retries live in one partition per minute of their due time, so no partition grows with time. */
  private static Instant minute(Instant at) {
    return at.truncatedTo(ChronoUnit.MINUTES);
  }

  static final Schema SCHEMA = new Schema("order", List.of(
      """
      CREATE TABLE IF NOT EXISTS orders (
        order_id uuid PRIMARY KEY, username text, items text, total decimal, status text, reservation_id text,
        created_at timestamp, updated_at timestamp, delivered_at timestamp, archived boolean)
      """,
      // one-off work (the copy of older orders into the lists) is done by the replica holding its lease
      """
      CREATE TABLE IF NOT EXISTS order_leases (name text PRIMARY KEY, holder text)
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
      """,
      // what the order lists show, written beside the order (newest first): one partition read per user's list,
      // and the admin's list of everyone walks the days that had orders instead of scanning the orders table
      """
      CREATE TABLE IF NOT EXISTS orders_of_user (
        username text, created_at timestamp, order_id uuid, items text, total decimal, status text,
        updated_at timestamp, archived boolean,
        PRIMARY KEY ((username), created_at, order_id)) WITH CLUSTERING ORDER BY (created_at DESC, order_id DESC)
      """,
      """
      CREATE TABLE IF NOT EXISTS orders_by_day (
        day date, created_at timestamp, order_id uuid, username text, items text, total decimal, status text,
        updated_at timestamp, archived boolean,
        PRIMARY KEY ((day), created_at, order_id)) WITH CLUSTERING ORDER BY (created_at DESC, order_id DESC)
      """,
      """
      CREATE TABLE IF NOT EXISTS order_days (shard int, day date, PRIMARY KEY ((shard), day))
        WITH CLUSTERING ORDER BY (day DESC)
      """));
  static final String LISTS_MIGRATION = "order-lists-v1";
  private static final int INTENT_TTL_SECONDS = 7 * 24 * 3600;

  private final Cql cql;
  /** Days this process has filed in {@code order_days}: one write per day, not per order. */
  private final Set<LocalDate> knownDays = ConcurrentHashMap.newKeySet();

  OrderRepository(Cql cql) {
    this.cql = cql;
  }


  private static final String INSERT_ORDER = "INSERT INTO orders (order_id, username, items, total, status, "
      + "reservation_id, created_at, updated_at, archived) VALUES (?, ?, ?, ?, ?, ?, ?, ?, false)";

  /**
   * Inserts the order unless its id exists, and then its list rows; answers null when inserted, else the existing
   * order's row. {@code alongside} runs beside the list rows (the first timer: both idempotent).
   *
   * <p>{@code committedNow}: the caller's own commit made the order (the catalog's compare-and-set answered it alone), so
   * no write of this row can have come before, and a plain write does: no compare-and-set. It is written at the
   * order's creation time, not at the moment it reaches the node, so a write delayed past the first status change,
   * or racing the repair of its intent, can never overwrite what was written after the order was created. Its list
   * rows are written the same way, and the row, the list rows and {@code alongside} go side by side: there is no
   * outcome to wait for first. If the row's write fails, the list rows may be there before it; the caller's failure
   * makes the order be asked for again (or repaired), which writes the row. Any other caller (a repeat, a repair)
   * does not know, and inserts only if absent.
   */
  Future<Row> insert(JsonObject order, String reservationId, boolean committedNow,
      Supplier<Future<Void>> alongside) {
    Instant created = Instant.parse(order.getString("created_at"));
    UUID orderId = UUID.fromString(order.getString("id"));
    Object[] values = {orderId, order.getString("user_id"), order.getJsonArray("items").encode(),
        new BigDecimal(order.getValue("total").toString()), order.getString("status"), reservationId, created,
        created};
    if (committedNow) {
      long writtenAt = ChronoUnit.MICROS.between(Instant.EPOCH, created);
      return Future.all(cql.run("order.write", INSERT_ORDER + " USING TIMESTAMP ?", timed(writtenAt, values)),
          writeListRows(ListRow.of(order, false), writtenAt), alongside.get()).map(v -> (Row) null);
    }
    Future<Row> existing = Cql.settled(cql.conditional("order.insert", INSERT_ORDER + " IF NOT EXISTS", values)
            .map(row -> row.getBoolean(0) ? null : row),
        // outcome unknown: the row, if there, is answered as an existing order, whose follow-ups (list rows,
        // notification, first timer) the caller makes sure of, each idempotent
        () -> cql.serialOne("order.insert-check", "SELECT * FROM orders WHERE order_id = ?", orderId)
            .compose(row -> row == null ? Future.failedFuture("no order row") : Future.succeededFuture(row)));
    return existing.compose(row -> row == null
        ? Future.all(writeListRows(ListRow.of(order, false)), alongside.get()).map(v -> (Row) null)
        : Future.succeededFuture(row));
  }

  /** {@code values}, and {@code writtenAt} after them when given (for a trailing {@code USING TIMESTAMP ?}). */
  private static Object[] timed(Long writtenAt, Object... values) {
    if (writtenAt == null) {
      return values;
    }
    Object[] timed = Arrays.copyOf(values, values.length + 1);
    timed[values.length] = writtenAt;
    return timed;
  }

  Future<Void> recordIntent(UUID orderId, String reservationId, String username, Instant at) {
    return cql.run("intent.save", "INSERT INTO order_intents (minute, order_id, reservation_id, username) "
        + "VALUES (?, ?, ?, ?) USING TTL " + INTENT_TTL_SECONDS, at.truncatedTo(ChronoUnit.MINUTES), orderId,
        reservationId, username);
  }

  /** A minute's intents, each with {@code filed_at}: when it was written (microseconds since the epoch). */
  Future<List<Row>> intents(Instant minute) {
    return cql.rows("intent.bucket", "SELECT order_id, reservation_id, username, WRITETIME(username) AS filed_at "
        + "FROM order_intents WHERE minute = ?", minute);
  }

  Future<Void> dropIntent(Instant minute, UUID orderId) {
    return cql.run("intent.drop", "DELETE FROM order_intents WHERE minute = ? AND order_id = ?",
        minute.truncatedTo(ChronoUnit.MINUTES), orderId);
  }

  /**
   * An order as the lists show it. Written whole every time (an upsert), so a write after a crash repairs the row
   * whatever the crash left out.
   */
  record ListRow(UUID orderId, String username, String items, BigDecimal total, String status, Instant createdAt,
      Instant updatedAt, boolean archived) {

    static ListRow of(Row order) {
      return new ListRow(order.getUuid("order_id"), order.getString("username"), order.getString("items"),
          order.getBigDecimal("total"), order.getString("status"), order.getInstant("created_at"),
          order.getInstant("updated_at"), Boolean.TRUE.equals(order.getBoolean("archived")));
    }

    static ListRow of(JsonObject order, boolean archived) {
      return new ListRow(UUID.fromString(order.getString("id")), order.getString("user_id"),
          order.getJsonArray("items").encode(), new BigDecimal(order.getValue("total").toString()),
          order.getString("status"), Instant.parse(order.getString("created_at")),
          Instant.parse(order.getString("updated_at")), archived);
    }

    ListRow moved(OrderStatus to, Instant at) {
      return new ListRow(orderId, username, items, total, to.name(), createdAt, at, archived);
    }

    ListRow archivedNow() {
      return new ListRow(orderId, username, items, total, status, createdAt, updatedAt, true);
    }

    JsonObject toJson() {
      return new JsonObject().put("id", orderId.toString()).put("user_id", username).put("items", new JsonArray(items))
          .put("total", total).put("status", status).put("created_at", String.valueOf(createdAt))
          .put("updated_at", String.valueOf(updatedAt));
    }

    Cursor cursorAt() {
      return new Cursor(createdAt, orderId);
    }

    /** Where the next page starts (after this row, newest first), as a client passes it back. */
    String cursor() {
      return createdAt.toEpochMilli() + "." + orderId;
    }
  }

  /** A position in a newest-first list: before {@code createdAt}, or at it and before {@code orderId}. */
  record Cursor(Instant createdAt, UUID orderId) {
    /** {@code <epoch millis>.<order id>}, the form {@link ListRow#cursor()} writes; checked by the contract. */
    static Cursor parse(String value) {
      int dot = value.indexOf('.');
      return new Cursor(Instant.ofEpochMilli(Long.parseLong(value.substring(0, dot))),
          UUID.fromString(value.substring(dot + 1)));
    }
  }

  /** The order's rows in its user's list and its day's list, and its day in the list of days. */
  Future<Void> writeListRows(ListRow row) {
    return writeListRows(row, null);
  }

  /**
   * With {@code writtenAt} (microseconds) the rows carry that write time instead of now: the copy of older data
   * writes each row as of its order's last change, so a status change written meanwhile, which is newer, wins.
   */
  private Future<Void> writeListRows(ListRow row, Long writtenAt) {
    // a bind marker, not the number: one prepared statement for every order
    String timestamp = writtenAt == null ? "" : " USING TIMESTAMP ?";
    LocalDate day = LocalDate.ofInstant(row.createdAt(), ZoneOffset.UTC);
    Future<Void> ofUser = cql.run("order-list.user-write", "INSERT INTO orders_of_user (username, created_at, "
            + "order_id, items, total, status, updated_at, archived) VALUES (?, ?, ?, ?, ?, ?, ?, ?)" + timestamp,
        timed(writtenAt, row.username(), row.createdAt(), row.orderId(), row.items(), row.total(), row.status(),
            row.updatedAt(), row.archived()));
    Future<Void> byDay = cql.run("order-list.day-write", "INSERT INTO orders_by_day (day, created_at, order_id, "
            + "username, items, total, status, updated_at, archived) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)" + timestamp,
        timed(writtenAt, day, row.createdAt(), row.orderId(), row.username(), row.items(), row.total(), row.status(),
            row.updatedAt(), row.archived()));
    Future<Void> days = knownDays.contains(day) ? Future.succeededFuture()
        : cql.run("order-list.day-index", "INSERT INTO order_days (shard, day) VALUES (0, ?)", day)
            .onSuccess(v -> knownDays.add(day));
    return Future.all(ofUser, byDay, days).mapEmpty();
  }

  /** Up to {@code limit} of a user's orders, newest first, after {@code after} when given. */
  Future<List<ListRow>> ordersOf(String username, Cursor after, int limit) {
    return newestFirst("order-list.user", "orders_of_user", "username", username, after, limit);
  }

  /** The days that had orders, newest first. One row per day: read whole. */
  Future<List<LocalDate>> orderDays() {
    return cql.rows("order-list.days", "SELECT day FROM order_days WHERE shard = 0")
        .map(rows -> rows.stream().map(r -> r.getLocalDate(0)).toList());
  }

  /** Up to {@code limit} orders of one day, newest first, after {@code after} when given. */
  Future<List<ListRow>> ordersOfDay(LocalDate day, Cursor after, int limit) {
    return newestFirst("order-list.day", "orders_by_day", "day", day, after, limit);
  }

  /** One partition of a list table (clustered newest first), from its start or after a cursor. */
  private Future<List<ListRow>> newestFirst(String name, String table, String key, Object partition, Cursor after,
      int limit) {
    String select = "SELECT * FROM " + table + " WHERE " + key + " = ?";
    Future<List<Row>> rows = after == null ? cql.rows(name, select + " LIMIT ?", partition, limit)
        : cql.rows(name + "-after", select + " AND (created_at, order_id) < (?, ?) LIMIT ?", partition,
            after.createdAt(), after.orderId(), limit);
    return rows.map(found -> found.stream().map(ListRow::of).toList());
  }

  /**
   * Copies orders written before the list tables existed into them, once: by the order process that holds the
   * lease, marked done in {@code order_progress}. A full read of {@code orders}, never on a request.
   */
  Future<Void> copyIntoLists(String holder) {
    return doneUntil(LISTS_MIGRATION).compose(done -> done != null ? Future.succeededFuture()
        : cql.conditional("order-lease.take", "INSERT INTO order_leases (name, holder) VALUES (?, ?) IF NOT EXISTS "
                + "USING TTL 300", LISTS_MIGRATION, holder)
            .compose(lease -> !lease.getBoolean(0) && !holder.equals(lease.getString("holder"))
                ? Future.<Void>succeededFuture()
                : cql.rows("order.migrate-read", "SELECT * FROM orders").compose(all -> {
                  Future<Void> chain = Future.succeededFuture();
                  for (Row order : all) {
                    ListRow row = ListRow.of(order);
                    long writtenAt = row.updatedAt().toEpochMilli() * 1000;
                    chain = chain.compose(v -> writeListRows(row, writtenAt));
                  }
                  return chain;
                }).compose(v -> setDoneUntil(LISTS_MIGRATION, Instant.now()))));
  }

  /** Where a first walk over the minute buckets of {@code tables} starts (see {@link Cql#firstWalkFrom}). */
  Future<Instant> firstWalkFrom(Instant now, Duration skew, String... tables) {
    return cql.firstWalkFrom(now, skew, tables);
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

  /** Moves the status only if it is still {@code from}; true when this call made the change. */
  Future<Boolean> transition(UUID id, OrderStatus from, OrderStatus to, Instant at) {
    Instant stamp = at.truncatedTo(ChronoUnit.MILLIS); // as Cassandra keeps it, to know it again when read back
    return Cql.settled(cql.conditional("order.transition", "UPDATE orders SET status = ?, updated_at = ?, "
            + "delivered_at = ? WHERE order_id = ? IF status = ?", to.name(), stamp,
            to == OrderStatus.DELIVERED ? stamp : null, id, from.name()).map(row -> row.getBoolean(0)),
        // outcome unknown (a customer's cancel waits on it): the row at this status, stamped by this call, is its
        () -> cql.serialOne("order.transition-check", "SELECT status, updated_at FROM orders WHERE order_id = ?", id)
            .compose(row -> row == null ? Future.failedFuture("no order row")
                : Future.succeededFuture(to.name().equals(row.getString("status"))
                    && stamp.equals(row.getInstant("updated_at")))));
  }

  /** Takes a delivered order out of the default lists (it stays in {@code history}). */
  Future<Void> archive(Row order) {
    return cql.run("order.archive", "UPDATE orders SET archived = true WHERE order_id = ?", order.getUuid("order_id"))
        .compose(v -> writeListRows(ListRow.of(order).archivedNow()));
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
