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
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import store.platform.Cql;
import store.platform.Schema;
import store.platform.Schema.AddedColumn;

/**
 * The catalog's CQL. Tables are designed from the queries: {@code products} by id (details, stock under
 * lightweight transactions); a listing table per sort order ({@code products_by_name}, {@code products_by_price})
 * whose clustering order is the page order, so a page reads only the rows up to its end however large the catalog
 * grows; and {@code category_sizes}, one small partition of counters that lists the categories and their sizes.
 *
 * <p>A listing partition is {@code (listing, shard)}: a category's listing is {@code ("c:" + category, 0)}; the
 * admin's listing of everything is spread over {@link #ALL_SHARDS} partitions {@code ("all", 0..7)} by product id,
 * read side by side and merged, so no partition holds the whole catalog.
 */
final class CatalogRepository {
  private static final List<String> TABLES = List.of(
      """
      CREATE TABLE IF NOT EXISTS products (
        product_id uuid PRIMARY KEY, name text, category text, price decimal, stock_count int,
        description text, manufacturer text, created_at timestamp)
      """,
      """
      CREATE TABLE IF NOT EXISTS products_by_name (
        listing text, shard int, name_key text, product_key text, name text, category text, price decimal,
        PRIMARY KEY ((listing, shard), name_key, product_key))
      """,
      """
      CREATE TABLE IF NOT EXISTS products_by_price (
        listing text, shard int, price decimal, name text, product_key text, category text,
        PRIMARY KEY ((listing, shard), price, name, product_key))
      """,
      """
      CREATE TABLE IF NOT EXISTS category_sizes (shard int, category text, products counter,
        PRIMARY KEY ((shard), category))
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
  /** Partitions of the listing of every product (an admin's view). */
  static final int ALL_SHARDS = 8;
  private static final String ALL = "all";
  /** Marks the copy of older data into the listing tables as done ({@link #copyIntoListings}). */
  private static final String LISTINGS_MIGRATION = "listing-tables-v2";
  /** Index rows outlive any sweep by far; they go by themselves. */
  private static final int BUCKET_TTL_SECONDS = 7 * 24 * 3600;

  private final Cql cql;

  CatalogRepository(Cql cql) {
    this.cql = cql;
  }

  /** The catalog's tables, and the columns added after their first release (data made before gets them). */
  static final Schema SCHEMA = new Schema("catalog", TABLES, List.of(
      new AddedColumn("stock_reservations", "owner", "text"),
      new AddedColumn("stock_reservations", "claim_id", "uuid"),
      new AddedColumn("stock_reservations", "ordered_at", "timestamp"),
      new AddedColumn("products", "stock_total", "int"),
      new AddedColumn("products", "pending_holds", "map<text, int>"),
      new AddedColumn("products", "pending_returns", "map<text, int>")));

  Future<JsonObject> find(UUID id) {
    return cql.one("product.get", "SELECT product_id, name, category, price, stock_count, description, manufacturer "
            + "FROM products WHERE product_id = ?", id)
        .map(row -> row == null ? null : product(row));
  }


  /** The two sort orders a listing has, each its own table clustered in that order. */
  enum Sort {
    NAME("products_by_name", "name_key %1$s, product_key %1$s",
        Comparator.comparing((ProductSummary p) -> nameKey(p.name())).thenComparing(p -> p.productId().toString())),
    PRICE("products_by_price", "price %1$s, name %1$s, product_key %1$s",
        Comparator.comparing(ProductSummary::price).thenComparing(ProductSummary::name)
            .thenComparing(p -> p.productId().toString()));

    final String table;
    final String clustering;
    /** The table's clustering order, for merging the shards of the listing of everything. */
    final Comparator<ProductSummary> order;

    Sort(String table, String clustering, Comparator<ProductSummary> order) {
      this.table = table;
      this.clustering = clustering;
      this.order = order;
    }
  }

  /**
   * The case-insensitive sort key of a name: each char folded as {@link String#CASE_INSENSITIVE_ORDER} folds it, so
   * Cassandra's order of these keys (code points) is that comparator's order of the names.
   */
  static String nameKey(String name) {
    StringBuilder key = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      key.append(Character.toLowerCase(Character.toUpperCase(name.charAt(i))));
    }
    return key.toString();
  }

  /** Where a listing lives: one partition for a category, {@link #ALL_SHARDS} for everything. */
  record Listing(String key, int shards) {
    static Listing of(String category) {
      return category == null ? new Listing(ALL, ALL_SHARDS) : new Listing("c:" + category, 1);
    }
  }

  /**
   * The first {@code rows} products of one shard of a listing in the page's order, with an optional price range:
   * the read stops at the page's end, so its cost depends on skip + limit, not on the listing's size.
   */
  Future<List<ProductSummary>> firstRows(Listing listing, int shard, Sort sort, boolean descending,
      BigDecimal minPrice, BigDecimal maxPrice, int rows) {
    List<Object> values = new ArrayList<>(List.of(listing.key(), shard));
    String where = priceRange(minPrice, maxPrice, values);
    values.add(rows);
    // a price range on the name table filters inside one partition, and stops as soon as the page is full
    String filtering = sort == Sort.NAME && !where.isEmpty() ? " ALLOW FILTERING" : "";
    return cql.rows("product.page-by-" + sort.name().toLowerCase(), "SELECT product_key, name, category, price FROM "
            + sort.table + " WHERE listing = ? AND shard = ?" + where + " ORDER BY "
            + sort.clustering.formatted(descending ? "DESC" : "ASC") + " LIMIT ?" + filtering, values.toArray())
        .map(found -> found.stream().map(r -> new ProductSummary(UUID.fromString(r.getString("product_key")),
            r.getString("name"), r.getString("category"), r.getBigDecimal("price"))).toList());
  }

  /** How many products of one shard of a listing are in a price range: a clustering-range count in one partition. */
  Future<Long> countInRange(Listing listing, int shard, BigDecimal minPrice, BigDecimal maxPrice) {
    List<Object> values = new ArrayList<>(List.of(listing.key(), shard));
    String where = priceRange(minPrice, maxPrice, values);
    return cql.one("product.count-in-range", "SELECT count(*) FROM products_by_price WHERE listing = ? AND shard = ?"
        + where, values.toArray()).map(row -> row.getLong(0));
  }

  private static String priceRange(BigDecimal minPrice, BigDecimal maxPrice, List<Object> values) {
    StringBuilder where = new StringBuilder();
    if (minPrice != null) {
      where.append(" AND price >= ?");
      values.add(minPrice);
    }
    if (maxPrice != null) {
      where.append(" AND price <= ?");
      values.add(maxPrice);
    }
    return where.toString();
  }

  /** Every category with its number of products: one small partition of counters. */
  Future<Map<String, Long>> categorySizes() {
    return cql.rows("category.sizes", "SELECT category, products FROM category_sizes WHERE shard = 0").map(rows -> {
      Map<String, Long> sizes = new TreeMap<>();
      rows.forEach(r -> sizes.put(r.getString("category"), r.getLong("products")));
      return sizes;
    });
  }

  /**
   * Moves a category's size. Counters cannot join the logged batch of the product's rows, so this runs after it:
   * a crash in between leaves the size off by one (the listings themselves stay exact).
   */
  Future<Void> resize(String category, long delta) {
    return cql.run("category.resize", "UPDATE category_sizes SET products = products + ? WHERE shard = 0 "
        + "AND category = ?", delta, category);
  }

  /** Moves several categories' sizes, one after another. */
  Future<Void> resizeAll(Map<String, Long> deltas) {
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<String, Long> delta : deltas.entrySet()) {
      if (delta.getValue() != 0) {
        chain = chain.compose(v -> resize(delta.getKey(), delta.getValue()));
      }
    }
    return chain;
  }

  /**
   * Writes the product and its four listing rows (by name and by price, in its category and in the listing of
   * everything) in one logged batch, so a listing never shows a product the details table lacks. An update passes
   * the product as it was: its listing rows whose keys change (name, price or category) are deleted in the same
   * batch. An update never writes the stock: stock moves by compare-and-set alone, and writing back a count read
   * before a reservation would undo that reservation.
   */
  Future<Void> save(JsonObject p, JsonObject previous) {
    UUID id = UUID.fromString(p.getString("product_id"));
    BigDecimal price = new BigDecimal(p.getValue("price").toString());
    boolean creating = previous == null;
    List<Object> values = new ArrayList<>(Arrays.asList(id, p.getString("name"), p.getString("category"), price,
        p.getString("description"), p.getString("manufacturer")));
    String columns = "product_id, name, category, price, description, manufacturer";
    if (creating) { // later stock changes go through setStock, which keeps stock_total in step
      columns += ", stock_count, stock_total, created_at";
      values.addAll(Arrays.asList(p.getInteger("stock_count"), p.getInteger("stock_count"), Instant.now()));
    }
    StringBuilder batch = new StringBuilder("BEGIN BATCH ")
        .append("INSERT INTO products (").append(columns).append(") VALUES (")
        .append(String.join(", ", Collections.nCopies(values.size(), "?"))).append("); ");
    List<ListingRow> rows = ListingRow.of(id, p.getString("name"), p.getString("category"), price);
    if (!creating) {
      // only rows whose key changes: in one batch a delete and an insert of the same row share a timestamp, and
      // the delete would win
      ListingRow.of(id, previous.getString("name"), previous.getString("category"),
              new BigDecimal(previous.getValue("price").toString())).stream()
          .filter(old -> rows.stream().noneMatch(old::sameKey)).forEach(old -> old.delete(batch, values));
    }
    rows.forEach(row -> row.insert(batch, values));
    batch.append("APPLY BATCH");
    return cql.run(creating ? "product.create" : "product.save", batch.toString(), values.toArray());
  }

  Future<Void> delete(JsonObject p) {
    UUID id = UUID.fromString(p.getString("product_id"));
    StringBuilder batch = new StringBuilder("BEGIN BATCH DELETE FROM products WHERE product_id = ?; ");
    List<Object> values = new ArrayList<>(List.of(id));
    ListingRow.of(id, p.getString("name"), p.getString("category"), new BigDecimal(p.getValue("price").toString()))
        .forEach(row -> row.delete(batch, values));
    batch.append("APPLY BATCH");
    return cql.run("product.delete", batch.toString(), values.toArray());
  }

  /** One of a product's four listing rows. */
  private record ListingRow(Sort sort, String listing, int shard, String name, BigDecimal price, String productKey,
      String category) {
    static List<ListingRow> of(UUID id, String name, String category, BigDecimal price) {
      int shard = Math.floorMod(id.hashCode(), ALL_SHARDS);
      List<ListingRow> rows = new ArrayList<>();
      for (Sort sort : Sort.values()) {
        rows.add(new ListingRow(sort, Listing.of(category).key(), 0, name, price, id.toString(), category));
        rows.add(new ListingRow(sort, ALL, shard, name, price, id.toString(), category));
      }
      return rows;
    }

    boolean sameKey(ListingRow other) {
      return sort == other.sort && listing.equals(other.listing) && shard == other.shard
          && productKey.equals(other.productKey) && (sort == Sort.NAME ? nameKey(name).equals(nameKey(other.name))
              : price.compareTo(other.price) == 0 && name.equals(other.name));
    }

    void insert(StringBuilder batch, List<Object> values) {
      if (sort == Sort.NAME) {
        batch.append("INSERT INTO products_by_name (listing, shard, name_key, product_key, name, category, price) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?); ");
        values.addAll(Arrays.asList(listing, shard, nameKey(name), productKey, name, category, price));
      } else {
        batch.append("INSERT INTO products_by_price (listing, shard, price, name, product_key, category) "
            + "VALUES (?, ?, ?, ?, ?, ?); ");
        values.addAll(Arrays.asList(listing, shard, price, name, productKey, category));
      }
    }

    void delete(StringBuilder batch, List<Object> values) {
      if (sort == Sort.NAME) {
        batch.append("DELETE FROM products_by_name WHERE listing = ? AND shard = ? AND name_key = ? "
            + "AND product_key = ?; ");
        values.addAll(Arrays.asList(listing, shard, nameKey(name), productKey));
      } else {
        batch.append("DELETE FROM products_by_price WHERE listing = ? AND shard = ? AND price = ? AND name = ? "
            + "AND product_key = ?; ");
        values.addAll(Arrays.asList(listing, shard, price, name, productKey));
      }
    }
  }

  /**
   * Copies products made before the listing tables into them, and counts the categories: once per keyspace, by
   * the catalog process that holds the migration lease (a full read of {@code products}, never on a request).
   */
  Future<Void> copyIntoListings(String holder) {
    return doneUntil(LISTINGS_MIGRATION).compose(done -> done != null ? Future.succeededFuture()
        : lease(LISTINGS_MIGRATION, holder, 300).compose(mine -> !mine ? Future.succeededFuture()
            : doneUntil(LISTINGS_MIGRATION).compose(again -> again != null ? Future.succeededFuture() : copyAll())));
  }

  private Future<Void> copyAll() {
    return cql.rows("product.migrate-read", "SELECT product_id, name, category, price FROM products").compose(all -> {
      Future<Void> chain = Future.succeededFuture();
      Map<String, Long> sizes = new TreeMap<>();
      for (Row r : all) {
        if (r.getString("name") == null || r.getString("category") == null || r.getBigDecimal("price") == null) {
          continue; // a row holding only stock columns: no product to list
        }
        sizes.merge(r.getString("category"), 1L, Long::sum);
        StringBuilder batch = new StringBuilder("BEGIN BATCH ");
        List<Object> values = new ArrayList<>();
        ListingRow.of(r.getUuid("product_id"), r.getString("name"), r.getString("category"),
            r.getBigDecimal("price")).forEach(row -> row.insert(batch, values));
        batch.append("APPLY BATCH");
        chain = chain.compose(v -> cql.run("product.migrate-write", batch.toString(), values.toArray()));
      }
      // sizes are set, not added to: a copy cut short and run again still counts each product once
      return chain.compose(v -> categorySizes()).compose(current -> {
        Map<String, Long> deltas = new TreeMap<>();
        sizes.forEach((category, size) -> deltas.put(category, size - current.getOrDefault(category, 0L)));
        return resizeAll(deltas);
      });
    }).compose(v -> setDoneUntil(LISTINGS_MIGRATION, Instant.now()));
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
   * The markers of {@code settled} reservations (their outcome is recorded in their own rows) go in the same write.
   *
   * <p>Both marker maps are written whole, on the condition that they are still as read: a collection written whole
   * replaces its earlier cells, tombstones included. Removing one marker at a time left a tombstone per sale in the
   * product's row, and every read of the product scanned them until compaction after {@code gc_grace_seconds} (ten
   * days): a product bought 100 000 times in that time could not be read at all.
   */
  Future<StockWrite> moveStock(UUID id, StockState read, StockMove move, String reservationId, int quantity,
      Settled settled) {
    Map<String, Integer> holds = without(read.holds(), settled.holds());
    Map<String, Integer> returns = without(read.returns(), settled.returns());
    switch (move) {
      case TAKE -> holds.put(reservationId, quantity);
      case UNDO_TAKE -> holds.remove(reservationId);
      case RETURN -> returns.put(reservationId, quantity);
      default -> throw new IllegalStateException(move.name());
    }
    return writeMarkers("stock." + move.statement(), id, read, move.after(read.count(), quantity), holds, returns);
  }

  /** Clears the markers of {@code settled} reservations, if the row is still as read (see {@link #moveStock}). */
  Future<StockWrite> clearMarkers(UUID id, StockState read, Settled settled) {
    return writeMarkers("stock.clear-markers", id, read, read.count(), without(read.holds(), settled.holds()),
        without(read.returns(), settled.returns()));
  }

  /**
   * Markers that may go: the holds and the returns of reservations whose own rows record their outcome. A hold
   * goes once the reservation is RESERVED, a return only once it is RELEASED (until then it says the stock is back).
   */
  record Settled(Set<String> holds, Set<String> returns) {
    boolean isEmpty() {
      return holds.isEmpty() && returns.isEmpty();
    }

    /** Whether any of these markers is in the row as read. */
    boolean anyIn(StockState state) {
      return holds.stream().anyMatch(state.holds()::containsKey)
          || returns.stream().anyMatch(state.returns()::containsKey);
    }
  }

  /**
   * A stock row's compare-and-set: whether it applied, and the row's stock as it is now: what the write left, or, when
   * the condition failed, what Cassandra found instead (it answers a failed condition with the row's current values,
   * so a retry needs no read of its own). {@code now} is null when the row is gone. {@code total} is carried over from
   * the state the write was based on: no stock move changes it.
   */
  record StockWrite(boolean applied, StockState now) {
  }

  private Future<StockWrite> writeMarkers(String name, UUID id, StockState read, int count, Map<String, Integer> holds,
      Map<String, Integer> returns) {
    // an empty collection is no value at all in Cassandra: bound as null, in the condition as in the write
    return cql.conditional(name, "UPDATE products SET stock_count = ?, pending_holds = ?, pending_returns = ? "
            + "WHERE product_id = ? IF stock_count = ? AND pending_holds = ? AND pending_returns = ?", count,
            orNull(holds), orNull(returns), id, read.count(), orNull(read.holds()), orNull(read.returns()))
        .map(row -> {
          if (row.getBoolean(0)) {
            return new StockWrite(true, new StockState(count, read.total(), Map.copyOf(holds), Map.copyOf(returns)));
          }
          boolean found = row.getColumnDefinitions().contains("stock_count") && !row.isNull("stock_count");
          return new StockWrite(false, found ? new StockState(row.getInt("stock_count"), read.total(),
              row.getMap("pending_holds", String.class, Integer.class),
              row.getMap("pending_returns", String.class, Integer.class)) : null);
        });
  }

  private static Map<String, Integer> without(Map<String, Integer> markers, Set<String> settled) {
    Map<String, Integer> left = new HashMap<>(markers);
    left.keySet().removeAll(settled);
    return left;
  }

  private static Map<String, Integer> orNull(Map<String, Integer> markers) {
    return markers.isEmpty() ? null : markers;
  }

  /** An admin's new count: the shop's total moves by the same difference. */
  Future<Boolean> setStock(UUID id, int expected, int next, int total) {
    return cql.conditional("stock.set", "UPDATE products SET stock_count = ?, stock_total = ? WHERE product_id = ? "
        + "IF stock_count = ?", next, total, id, expected).map(row -> row.getBoolean(0));
  }

  /**
   * Claims a reservation id for {@code owner}; returns null if claimed now, else the existing row's state and owner.
   * The claim carries a token of its own: one whose outcome Cassandra could not confirm is read back and known for
   * this call's or not (another call for the same reservation, e.g. a transport retry, must not pass for it).
   */
  Future<Claim> claimReservation(String id, String lines, String owner, Instant at) {
    UUID claim = UUID.randomUUID();
    return Cql.settled(cql.conditional("reservation.claim", "INSERT INTO stock_reservations (reservation_id, lines, "
            + "state, created_at, owner, claim_id) VALUES (?, ?, 'PENDING', ?, ?, ?) IF NOT EXISTS", id, lines, at,
            owner, claim)
        .map(row -> row.getBoolean(0) ? null : new Claim(row.getString("state"), row.getString("owner"))),
        () -> cql.serialOne("reservation.claim-check", "SELECT state, owner, claim_id FROM stock_reservations "
            + "WHERE reservation_id = ?", id).compose(row -> row == null ? Future.failedFuture("no reservation row")
            : Future.succeededFuture(claim.equals(row.getUuid("claim_id")) && "PENDING".equals(row.getString("state"))
                ? null : new Claim(row.getString("state"), row.getString("owner")))));
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

  /** As {@link #reservation}, at the serial consistency: after a state change whose outcome is unknown. */
  Future<Row> settledReservation(String id) {
    return cql.serialOne("reservation.get-serial", "SELECT * FROM stock_reservations WHERE reservation_id = ?", id);
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

  /**
   * The commit point's RESERVED → ORDERED at {@code at}, for the reservation's owner only; true when this call moved
   * it.
   */
  Future<Boolean> orderReservation(String id, String owner, Instant at) {
    return cql.conditional("reservation.order", "UPDATE stock_reservations SET state = 'ORDERED', ordered_at = ? "
        + "WHERE reservation_id = ? IF state = 'RESERVED' AND owner = ?", at, id, owner)
        .map(row -> row.getBoolean(0));
  }

  /**
   * A checkout's own reservation, its lines all taken: PENDING → ORDERED in one move, with the lines as taken, at
   * {@code at}, for its owner only; true when this call moved it.
   */
  Future<Boolean> orderPendingReservation(String id, String owner, String lines, Instant at) {
    return cql.conditional("reservation.pending-order", "UPDATE stock_reservations SET state = 'ORDERED', lines = ?, "
        + "ordered_at = ? WHERE reservation_id = ? IF state = 'PENDING' AND owner = ?", lines, at, id, owner)
        .map(row -> row.getBoolean(0));
  }

  /**
   * Files a reservation that was never made as closed (RELEASED, no lines), so that none can be made under its id any
   * more; true when this call filed it, false when a reservation was there first.
   */
  Future<Boolean> closeUnmadeReservation(String id, String owner, Instant at) {
    return cql.conditional("reservation.close-unmade", "INSERT INTO stock_reservations (reservation_id, lines, state, "
        + "created_at, owner) VALUES (?, '[]', 'RELEASED', ?, ?) IF NOT EXISTS", id, at, owner)
        .map(row -> row.getBoolean(0));
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

  /** Where the sweeper's first walk starts (see {@link Cql#firstWalkFrom}). */
  Future<Instant> firstSweepFrom(Instant cutoff, java.time.Duration skew) {
    return cql.firstWalkFrom(cutoff, skew, "reservations_by_minute");
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
