package store.catalog;

import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
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
      """);

  private final Cql cql;

  CatalogRepository(Cql cql) {
    this.cql = cql;
  }

  Future<Void> createSchema() {
    // owner: added after the first release; data made before it gets the column here
    return cql.ddl(SCHEMA).compose(v -> cql.addColumn("stock_reservations", "owner", "text"));
  }

  Future<JsonObject> find(UUID id) {
    return cql.one("product.get", "SELECT * FROM products WHERE product_id = ?", id)
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
   * ({@code previousCategory} set) writes the stock only when it sets it ({@code withStock}): otherwise stock moves
   * by compare-and-set alone, and writing back a count read before a reservation would undo that reservation.
   */
  Future<Void> save(JsonObject p, String previousCategory, boolean withStock) {
    UUID id = UUID.fromString(p.getString("product_id"));
    BigDecimal price = new BigDecimal(p.getValue("price").toString());
    boolean creating = previousCategory == null;
    List<Object> values = new ArrayList<>(Arrays.asList(id, p.getString("name"), p.getString("category"), price,
        p.getString("description"), p.getString("manufacturer")));
    String columns = "product_id, name, category, price, description, manufacturer";
    if (creating || withStock) {
      columns += ", stock_count";
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

  Future<Integer> stock(UUID id) {
    return cql.one("stock.get", "SELECT stock_count FROM products WHERE product_id = ?", id)
        .map(row -> row == null ? null : row.getInt(0));
  }

  /** Compare-and-set on the stock; returns the value now stored (ours if applied, the current one if not). */
  Future<StockSwap> swapStock(UUID id, int expected, int next) {
    return cql.conditional("stock.cas", "UPDATE products SET stock_count = ? WHERE product_id = ? IF stock_count = ?",
        next, id, expected).map(row -> {
          boolean applied = row.getBoolean(0);
          Integer current = applied ? Integer.valueOf(next)
              : row.getColumnDefinitions().contains("stock_count") ? row.get("stock_count", Integer.class) : null;
          return new StockSwap(applied, current);
        });
  }

  record StockSwap(boolean applied, Integer current) {
  }

  /** Claims a reservation id for {@code owner}; returns null if claimed now, else the existing row's state and owner. */
  Future<Claim> claimReservation(String id, String lines, String owner) {
    return cql.conditional("reservation.claim", "INSERT INTO stock_reservations (reservation_id, lines, state, "
        + "created_at, owner) VALUES (?, ?, 'PENDING', ?, ?) IF NOT EXISTS", id, lines, Instant.now(), owner)
        .map(row -> row.getBoolean(0) ? null : new Claim(row.getString("state"), row.getString("owner")));
  }

  record Claim(String state, String owner) {
  }

  Future<Row> reservation(String id) {
    return cql.one("reservation.get", "SELECT * FROM stock_reservations WHERE reservation_id = ?", id);
  }

  Future<Boolean> moveReservation(String id, String from, String to, String lines) {
    return cql.conditional("reservation.state", "UPDATE stock_reservations SET state = ?, lines = ? "
        + "WHERE reservation_id = ? IF state = ?", to, lines, id, from).map(row -> row.getBoolean(0));
  }

  Future<Void> forgetReservation(String id) {
    return cql.run("reservation.delete", "DELETE FROM stock_reservations WHERE reservation_id = ?", id);
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
