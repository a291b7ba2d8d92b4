package store.catalog;

import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import store.platform.Cql;

/**
 * The catalog's CQL. Tables are designed from the queries: {@code products} by id (details, stock under
 * lightweight transactions) and {@code products_by_category}, one partition per category holding just what a
 * listing shows, so a category page is a single-partition read however large the catalog grows.
 */
final class CatalogRepository {
  static final List<String> SCHEMA = List.of(
      """
      CREATE TABLE IF NOT EXISTS products (
        product_id uuid PRIMARY KEY, name text, category text, price decimal, stock_count int,
        description text, manufacturer text, created_at timestamp)
      """,
      """
      CREATE TABLE IF NOT EXISTS products_by_category (
        category text, product_id uuid, name text, price decimal,
        PRIMARY KEY ((category), product_id))
      """,
      """
      CREATE TABLE IF NOT EXISTS stock_reservations (
        reservation_id text PRIMARY KEY, lines text, state text, created_at timestamp, owner text)
      """,
      // which reservations were made in which minute: the sweeper reads these buckets, never the whole table
      """
      CREATE TABLE IF NOT EXISTS reservations_by_minute (
        minute timestamp, reservation_id text, PRIMARY KEY ((minute), reservation_id))
      """,
      """
      CREATE TABLE IF NOT EXISTS catalog_leases (name text PRIMARY KEY, holder text)
      """,
      """
      CREATE TABLE IF NOT EXISTS catalog_progress (name text PRIMARY KEY, done_until timestamp)
      """);
  /** Index rows outlive any sweep by far; they go by themselves. */
  private static final int BUCKET_TTL_SECONDS = 7 * 24 * 3600;

  private final Cql cql;

  CatalogRepository(Cql cql) {
    this.cql = cql;
  }

  Future<Void> createSchema() {
    // columns added after the first release; data made before them gets them here
    return cql.ddl(SCHEMA).compose(v -> cql.addColumn("stock_reservations", "owner", "text"))
        .compose(v -> cql.addColumn("products", "stock_total", "int"))
        .compose(v -> cql.addColumn("products", "pending_holds", "map<text, int>"))
        .compose(v -> cql.addColumn("products", "pending_returns", "map<text, int>"));
  }

  Future<JsonObject> find(UUID id) {
    return cql.one("product.get", "SELECT product_id, name, category, price, stock_count, description, manufacturer "
            + "FROM products WHERE product_id = ?", id)
        .map(row -> row == null ? null : product(row));
  }

  Future<List<ProductSummary>> listCategory(String category) {
    return cql.rows("product.by-category",
            "SELECT product_id, name, category, price FROM products_by_category WHERE category = ?", category)
        .map(rows -> rows.stream().map(CatalogRepository::summary).toList());
  }

  Future<List<ProductSummary>> listAll() {
    return cql.rows("product.all", "SELECT product_id, name, category, price FROM products_by_category")
        .map(rows -> rows.stream().map(CatalogRepository::summary).toList());
  }

  Future<Long> count() {
    return cql.one("product.count", "SELECT count(*) FROM products").map(row -> row.getLong(0));
  }

  /**
   * Writes both tables in one logged batch, so a listing never shows a product the details table lacks. An update
   * ({@code previousCategory} set) never writes the stock: stock moves by compare-and-set alone, and writing back a
   * count read before a reservation would undo that reservation.
   */
  Future<Void> save(JsonObject p, String previousCategory) {
    UUID id = UUID.fromString(p.getString("product_id"));
    BigDecimal price = new BigDecimal(p.getValue("price").toString());
    boolean creating = previousCategory == null;
    List<Object> values = new ArrayList<>(Arrays.asList(id, p.getString("name"), p.getString("category"), price,
        p.getString("description"), p.getString("manufacturer")));
    String columns = "product_id, name, category, price, description, manufacturer";
    if (creating) { // later stock changes go through setStock, which keeps stock_total in step
      columns += ", stock_count, stock_total";
      values.add(p.getInteger("stock_count"));
      values.add(p.getInteger("stock_count"));
    }
    if (creating) {
      columns += ", created_at";
      values.add(Instant.now());
    }
    StringBuilder batch = new StringBuilder("BEGIN BATCH ")
        .append("INSERT INTO products (").append(columns).append(") VALUES (")
        .append(String.join(", ", Collections.nCopies(values.size(), "?"))).append("); ")
        .append("INSERT INTO products_by_category (category, product_id, name, price) VALUES (?, ?, ?, ?); ");
    values.addAll(Arrays.asList(p.getString("category"), id, p.getString("name"), price));
    boolean moved = !creating && !previousCategory.equals(p.getString("category"));
    if (moved) {
      batch.append("DELETE FROM products_by_category WHERE category = ? AND product_id = ?; ");
      values.addAll(Arrays.asList(previousCategory, id));
    }
    batch.append("APPLY BATCH");
    return cql.run(moved ? "product.move" : "product.save", batch.toString(), values.toArray());
  }

  Future<Void> delete(UUID id, String category) {
    return cql.run("product.delete", "BEGIN BATCH DELETE FROM products WHERE product_id = ?; "
        + "DELETE FROM products_by_category WHERE category = ? AND product_id = ?; APPLY BATCH", id, category, id);
  }

  /** A product's stock and the markers of the reservation lines moving it (see {@link StockMove}). */
  Future<StockState> stockState(UUID id) {
    return cql.one("stock.get", "SELECT stock_count, stock_total, pending_holds, pending_returns FROM products "
        + "WHERE product_id = ?", id).map(row -> row == null ? null : new StockState(row.getInt("stock_count"),
            row.isNull("stock_total") ? null : row.getInt("stock_total"),
            row.getMap("pending_holds", String.class, Integer.class),
            row.getMap("pending_returns", String.class, Integer.class)));
  }

  /** What {@link #stockState} reads: {@code total} is what the shop has had in all (null for rows made before it). */
  record StockState(int count, Integer total, Map<String, Integer> holds, Map<String, Integer> returns) {
  }

  /**
   * One line's stock move as a compare-and-set on the count that also records (or clears) the line's marker in the
   * same row, so whether it happened can always be read back: after a crash, or a write timeout of unknown outcome.
   */
  Future<Boolean> moveStock(UUID id, int expected, StockMove move, String reservationId, int quantity) {
    Future<Row> lwt = switch (move) {
      case TAKE -> cql.conditional("stock.take", "UPDATE products SET stock_count = ?, pending_holds[?] = ? "
          + "WHERE product_id = ? IF stock_count = ?", expected - quantity, reservationId, quantity, id, expected);
      case UNDO_TAKE -> cql.conditional("stock.undo", "UPDATE products SET stock_count = ?, pending_holds = "
          + "pending_holds - ? WHERE product_id = ? IF stock_count = ? AND pending_holds[?] = ?", expected + quantity,
          Set.of(reservationId), id, expected, reservationId, quantity);
      case RETURN -> cql.conditional("stock.return", "UPDATE products SET stock_count = ?, pending_returns[?] = ? "
          + "WHERE product_id = ? IF stock_count = ?", expected + quantity, reservationId, quantity, id, expected);
    };
    return lwt.map(row -> row.getBoolean(0));
  }

  /** The markers of a reservation whose outcome is recorded in its own row: no longer needed. */
  Future<Void> clearMarkers(UUID id, String reservationId) {
    return cql.run("stock.clear-markers", "UPDATE products SET pending_holds = pending_holds - ?, pending_returns = "
        + "pending_returns - ? WHERE product_id = ?", Set.of(reservationId), Set.of(reservationId), id);
  }

  /** An admin's new count: the shop's total moves by the same difference. */
  Future<Boolean> setStock(UUID id, int expected, int next, int total) {
    return cql.conditional("stock.set", "UPDATE products SET stock_count = ?, stock_total = ? WHERE product_id = ? "
        + "IF stock_count = ?", next, total, id, expected).map(row -> row.getBoolean(0));
  }

  /** Claims a reservation id for {@code owner}; returns null if claimed now, else the existing row's state and owner. */
  Future<Claim> claimReservation(String id, String lines, String owner, Instant at) {
    return cql.conditional("reservation.claim", "INSERT INTO stock_reservations (reservation_id, lines, state, "
        + "created_at, owner) VALUES (?, ?, 'PENDING', ?, ?) IF NOT EXISTS", id, lines, at, owner)
        .map(row -> row.getBoolean(0) ? null : new Claim(row.getString("state"), row.getString("owner")));
  }

  record Claim(String state, String owner) {
  }

  /** Files a reservation under the minute it was made, for the sweeper. */
  Future<Void> index(String id, Instant at) {
    return cql.run("reservation.index", "INSERT INTO reservations_by_minute (minute, reservation_id) VALUES (?, ?) "
        + "USING TTL " + BUCKET_TTL_SECONDS, at.truncatedTo(ChronoUnit.MINUTES), id);
  }

  Future<List<String>> madeIn(Instant minute) {
    return cql.rows("reservation.bucket", "SELECT reservation_id FROM reservations_by_minute WHERE minute = ?", minute)
        .map(rows -> rows.stream().map(r -> r.getString(0)).toList());
  }

  Future<Row> reservation(String id) {
    return cql.one("reservation.get", "SELECT * FROM stock_reservations WHERE reservation_id = ?", id);
  }

  /** Every reservation: for the stock audit (an operator's tool), never a request. */
  Future<List<Row>> allReservations() {
    return cql.rows("reservation.all", "SELECT reservation_id, state, lines FROM stock_reservations");
  }

  /** Every product's stock columns: for the stock audit. */
  Future<List<Row>> allStock() {
    return cql.rows("stock.all", "SELECT product_id, name, stock_count, stock_total, pending_holds, pending_returns "
        + "FROM products");
  }

  Future<Boolean> moveReservation(String id, String from, String to, String lines) {
    return cql.conditional("reservation.state", "UPDATE stock_reservations SET state = ?, lines = ? "
        + "WHERE reservation_id = ? IF state = ?", to, lines, id, from).map(row -> row.getBoolean(0));
  }

  Future<Boolean> moveReservation(String id, String from, String to) {
    return cql.conditional("reservation.state-only", "UPDATE stock_reservations SET state = ? "
        + "WHERE reservation_id = ? IF state = ?", to, id, from).map(row -> row.getBoolean(0));
  }

  Future<Void> forgetReservation(String id) {
    return cql.run("reservation.delete", "DELETE FROM stock_reservations WHERE reservation_id = ?", id);
  }

  /** Takes or renews a lease for {@code seconds}; true when {@code holder} has it now. */
  Future<Boolean> lease(String name, String holder, int seconds) {
    return cql.conditional("lease.renew", "UPDATE catalog_leases USING TTL " + seconds + " SET holder = ? "
            + "WHERE name = ? IF holder = ?", holder, name, holder)
        .compose(renewed -> renewed.getBoolean(0) ? Future.succeededFuture(true)
            : cql.conditional("lease.take", "INSERT INTO catalog_leases (name, holder) VALUES (?, ?) IF NOT EXISTS "
                + "USING TTL " + seconds, name, holder).map(taken -> taken.getBoolean(0)));
  }

  Future<Instant> doneUntil(String name) {
    return cql.one("progress.get", "SELECT done_until FROM catalog_progress WHERE name = ?", name)
        .map(row -> row == null ? null : row.getInstant(0));
  }

  Future<Void> setDoneUntil(String name, Instant until) {
    return cql.run("progress.set", "INSERT INTO catalog_progress (name, done_until) VALUES (?, ?)", name, until);
  }

  static JsonObject product(Row row) {
    return new JsonObject()
        .put("product_id", row.getUuid("product_id").toString())
        .put("name", row.getString("name"))
        .put("category", row.getString("category"))
        .put("price", row.getBigDecimal("price"))
        .put("stock_count", row.getInt("stock_count"))
        .put("description", row.getString("description"))
        .put("manufacturer", row.getString("manufacturer"));
  }

  private static ProductSummary summary(Row row) {
    return new ProductSummary(row.getUuid("product_id"), row.getString("name"), row.getString("category"),
        row.getBigDecimal("price"));
  }
}
