package store.cart;

import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import store.cart.api.CartOperations.CartLine;
import store.platform.Cql;
import store.platform.Schema;

/**
 * The cart's CQL. A cart is one partition per user; recent views likewise; the last known copy of each product
 * (for when the catalog is down) and checkout idempotency records are the cart's own tables.
 */
final class CartRepository {
  static final Schema SCHEMA = new Schema("cart", List.of(
      """
      CREATE TABLE IF NOT EXISTS cart_items (
        username text, item_id uuid, product_id uuid, name text, price decimal, quantity int, added_at timestamp,
        PRIMARY KEY ((username), item_id))
      """,
      """
      CREATE TABLE IF NOT EXISTS recent_views (
        username text, product_id uuid, viewed_at timestamp, PRIMARY KEY ((username), product_id))
      """,
      """
      CREATE TABLE IF NOT EXISTS product_snapshots (product_id uuid PRIMARY KEY, body text, saved_at timestamp)
      """,
      """
      CREATE TABLE IF NOT EXISTS checkouts (
        username text, idempotency_key text, order_id uuid, state text, created_at timestamp,
        PRIMARY KEY ((username), idempotency_key))
      """,
      // the keyed adds of the last day and what each answered: kept apart from the lines, so a retry still finds
      // its add once a checkout (or the user) has removed the line
      """
      CREATE TABLE IF NOT EXISTS cart_adds (
        username text, product_id uuid, add_key text, answer text, PRIMARY KEY ((username), product_id, add_key))
      """),
      // where a retried key resumes: its failed attempts' reservations were given back
      List.of(new Schema.AddedColumn("checkouts", "attempt", "int"),
          // where earlier releases kept a line's add keys, gone with the line at checkout; no longer written or read
          new Schema.AddedColumn("cart_items", "add_keys", "set<text>")));
  /** How long a keyed add is remembered, for a retry whose answer was lost. */
  private static final int ADD_KEY_SECONDS = 24 * 3600;
  /** How long a key whose checkout failed remembers its attempts for a retry. */
  private static final int RETRY_SECONDS = 24 * 3600;
  private static final String INSERT_LINE = "INSERT INTO cart_items (username, item_id, product_id, name, price, "
      + "quantity, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)";

  private final Cql cql;

  CartRepository(Cql cql) {
    this.cql = cql;
  }


  Future<List<CartItem>> items(String username) {
    return cql.rows("cart.items", "SELECT * FROM cart_items WHERE username = ?", username)
        .map(rows -> rows.stream().map(CartRepository::item).toList());
  }

  /**
   * Up to {@code limit} users who have a cart, in the table's (token) order, after the user {@code after} when given:
   * a page reads its own partition keys, never the whole table.
   */
  Future<List<String>> cartOwners(String after, int limit) {
    Future<List<Row>> owners = after == null
        ? cql.rows("cart.owners", "SELECT DISTINCT username FROM cart_items LIMIT ?", limit)
        : cql.rows("cart.owners-after", "SELECT DISTINCT username FROM cart_items WHERE token(username) > token(?) "
            + "LIMIT ?", after, limit);
    return owners.map(rows -> rows.stream().map(row -> row.getString("username")).toList());
  }

  Future<Void> save(CartItem item) {
    return cql.run("cart.save", INSERT_LINE, item.username(), item.itemId(), item.productId(), item.name(),
        item.price(), item.quantity(), item.addedAt());
  }

  /**
   * The line, and the keyed add that made it with its answer: one batch of one partition key (the user's, in two
   * tables of one keyspace), so Cassandra applies both or neither.
   */
  Future<Void> save(CartItem item, String addKey, JsonObject answer) {
    return cql.run("cart.save-keyed", "BEGIN UNLOGGED BATCH " + INSERT_LINE + "; INSERT INTO cart_adds (username, "
            + "product_id, add_key, answer) VALUES (?, ?, ?, ?) USING TTL " + ADD_KEY_SECONDS + "; APPLY BATCH",
        item.username(), item.itemId(), item.productId(), item.name(), item.price(), item.quantity(),
        item.addedAt(), item.username(), item.productId(), addKey, answer.encode());
  }

  /** What the user's add of the product with {@code addKey} answered, if it was made in the last day; else null. */
  Future<JsonObject> keyedAdd(String username, UUID productId, String addKey) {
    return cql.one("cart.add-get", "SELECT answer FROM cart_adds WHERE username = ? AND product_id = ? "
            + "AND add_key = ?", username, productId, addKey)
        .map(row -> row == null ? null : new JsonObject(row.getString("answer")));
  }

  Future<Void> delete(String username, List<UUID> itemIds) {
    if (itemIds.isEmpty()) {
      return Future.succeededFuture();
    }
    return cql.run("cart.delete", "DELETE FROM cart_items WHERE username = ? AND item_id IN ?", username, itemIds);
  }

  /**
   * Everything kept under the user's name: cart lines, keyed adds, recent views and checkout records (a deleted
   * account).
   */
  Future<Void> forgetUser(String username) {
    return cql.run("cart.forget-user", "BEGIN BATCH DELETE FROM cart_items WHERE username = ?; "
        + "DELETE FROM recent_views WHERE username = ?; DELETE FROM checkouts WHERE username = ?; "
        + "DELETE FROM cart_adds WHERE username = ?; APPLY BATCH", username, username, username, username);
  }

  Future<Void> recordView(String username, UUID productId, Instant at) {
    return cql.run("views.save", "INSERT INTO recent_views (username, product_id, viewed_at) VALUES (?, ?, ?)",
        username, productId, at);
  }

  /** The user's views, each with the time it was written ({@code written}, see {@link #forgetViewsUpTo}). */
  Future<List<Row>> views(String username) {
    return cql.rows("views.list", "SELECT product_id, viewed_at, writetime(viewed_at) AS written FROM recent_views "
        + "WHERE username = ?", username);
  }

  /**
   * Forgets every view of the user written at or before {@code upTo} (microseconds, as {@link #views} reads them), and
   * only those: a product viewed again since is written later and keeps its new view. One partition-level delete, not
   * a row tombstone per forgotten view: each trim replaces the one before, so a user who views many products does not
   * pile up tombstones that every read of the list scans for ten days (gc_grace_seconds).
   */
  Future<Void> forgetViewsUpTo(String username, long upTo) {
    return cql.run("views.trim", "DELETE FROM recent_views USING TIMESTAMP ? WHERE username = ?", upTo, username);
  }

  Future<Void> saveSnapshot(JsonObject product) {
    return cql.run("snapshot.save", "INSERT INTO product_snapshots (product_id, body, saved_at) VALUES (?, ?, ?)",
        UUID.fromString(product.getString("product_id")), product.encode(), Instant.now());
  }

  Future<JsonObject> snapshot(UUID productId) {
    return cql.one("snapshot.get", "SELECT body FROM product_snapshots WHERE product_id = ?", productId)
        .map(row -> row == null ? null : new JsonObject(row.getString("body")));
  }

  /**
   * Claims a checkout row (an idempotency key, or the cart's lock) for {@code leaseSeconds}: a claim left by a crash
   * expires instead of blocking the key or the cart for ever. Null when claimed now, else the existing row.
   */
  Future<Row> claimCheckout(String username, String key, UUID orderId, int leaseSeconds) {
    return Cql.settled(cql.conditional("checkout.claim", "INSERT INTO checkouts (username, idempotency_key, "
            + "order_id, state, created_at) VALUES (?, ?, ?, 'PENDING', ?) IF NOT EXISTS USING TTL ?", username, key,
            orderId, Instant.now(), leaseSeconds)
        .map(row -> row.getBoolean(0) ? null : row),
        () -> claimRow(username, key).map(row -> isClaimedAs(row, orderId) ? null : row));
  }

  /** A claim's row read back at the serial consistency, after a compare-and-set whose outcome was unknown. */
  private Future<Row> claimRow(String username, String key) {
    return cql.serialOne("checkout.claim-check", "SELECT order_id, state, attempt, created_at FROM checkouts "
        + "WHERE username = ? AND idempotency_key = ?", username, key)
        .compose(row -> row == null ? Future.failedFuture("no claim row") : Future.succeededFuture(row));
  }

  private static boolean isClaimedAs(Row row, UUID token) {
    return token.equals(row.getUuid("order_id")) && "PENDING".equals(row.getString("state"));
  }

  /**
   * A new key's claim and the cart's lock in one compare-and-set (one partition: one Paxos round instead of two):
   * true when both are this checkout's now; false when either row exists, and then neither was written.
   */
  Future<Boolean> claimKeyAndLock(String username, String key, UUID keyToken, String lockKey, UUID lockToken,
      int leaseSeconds) {
    Instant now = Instant.now();
    return Cql.settled(cql.conditional("checkout.claim-both", "BEGIN BATCH "
            + "INSERT INTO checkouts (username, idempotency_key, order_id, state, created_at) "
            + "VALUES (?, ?, ?, 'PENDING', ?) IF NOT EXISTS USING TTL ? "
            + "INSERT INTO checkouts (username, idempotency_key, order_id, state, created_at) "
            + "VALUES (?, ?, ?, 'PENDING', ?) IF NOT EXISTS USING TTL ? "
            + "APPLY BATCH", username, key, keyToken, now, leaseSeconds, username, lockKey, lockToken, now,
            leaseSeconds)
        .map(row -> row.getBoolean(0)),
        // the batch applied whole or not at all: the lock's random token tells
        () -> claimRow(username, lockKey).map(row -> isClaimedAs(row, lockToken)).otherwise(false));
  }

  /**
   * The key's answer kept (DONE, no lease) and the cart's lock dropped, in one compare-and-set; true when both rows
   * were still this checkout's. False (nothing written) when either lease ran out and was taken meanwhile.
   */
  Future<Boolean> finishKeyAndLock(String username, String key, UUID keyToken, UUID orderId, String lockKey,
      UUID lockToken) {
    return cql.conditional("checkout.finish-both", "BEGIN BATCH "
            + "UPDATE checkouts USING TTL 0 SET state = 'DONE', order_id = ?, created_at = ? "
            + "WHERE username = ? AND idempotency_key = ? IF order_id = ? "
            + "DELETE FROM checkouts WHERE username = ? AND idempotency_key = ? IF order_id = ? "
            + "APPLY BATCH", orderId, Instant.now(), username, key, keyToken, username, lockKey, lockToken)
        .map(row -> row.getBoolean(0));
  }

  /**
   * Claims a key left in state RETRY by a failed checkout at {@code attempt}, for {@code leaseSeconds}, with a new
   * token; null when claimed now, else the row as it is (another retry got there first).
   */
  Future<Row> resumeCheckout(String username, String key, UUID token, int attempt, int leaseSeconds) {
    return Cql.settled(cql.conditional("checkout.resume", "UPDATE checkouts USING TTL ? SET state = 'PENDING', "
            + "order_id = ?, attempt = ?, created_at = ? WHERE username = ? AND idempotency_key = ? IF state = "
            + "'RETRY' AND attempt = ?", leaseSeconds, token, attempt, Instant.now(), username, key, attempt)
        .map(row -> row.getBoolean(0) ? null : row),
        () -> claimRow(username, key).map(row -> isClaimedAs(row, token) ? null : row));
  }

  /**
   * A failed checkout leaves its key claimable again (state RETRY, kept a day), saying which attempt it reached.
   * By compare-and-set on its token.
   */
  Future<Void> retryLater(String username, String key, UUID token, int attempt) {
    return cql.conditional("checkout.retry-later", "UPDATE checkouts USING TTL " + RETRY_SECONDS + " SET state = "
        + "'RETRY', attempt = ?, created_at = ? WHERE username = ? AND idempotency_key = ? IF order_id = ?", attempt,
        Instant.now(), username, key, token).mapEmpty();
  }

  /**
   * The key's answer is kept: the claim becomes DONE without the lease's TTL, so a retry finds the same order. By
   * compare-and-set on the id it was claimed under, like every write of this row (the order itself may carry a later
   * attempt's id).
   */
  Future<Void> completeCheckout(String username, String key, UUID claimedAs, UUID orderId) {
    return cql.conditional("checkout.done", "UPDATE checkouts USING TTL 0 SET state = 'DONE', order_id = ?, "
        + "created_at = ? WHERE username = ? AND idempotency_key = ? IF order_id = ?", orderId, Instant.now(),
        username, key, claimedAs).mapEmpty();
  }

  /**
   * Drops a claim this checkout holds, by compare-and-set on its order id: a checkout that outlived its lease must not
   * drop the next checkout's claim (and the row is only ever written by compare-and-set, never mixed with plain
   * writes).
   */
  Future<Void> releaseClaim(String username, String key, UUID orderId) {
    return cql.conditional("checkout.release", "DELETE FROM checkouts WHERE username = ? AND idempotency_key = ? "
        + "IF order_id = ?", username, key, orderId).mapEmpty();
  }

  private static CartItem item(Row row) {
    return new CartItem(row.getString("username"), row.getUuid("item_id"), row.getUuid("product_id"),
        row.getString("name"), row.getBigDecimal("price"), row.getInt("quantity"), row.getInstant("added_at"));
  }

  /** One cart line, with the product's name and price as last seen. */
  record CartItem(String username, UUID itemId, UUID productId, String name, BigDecimal price, int quantity,
      Instant addedAt) {
    CartItem withQuantity(int q) {
      return new CartItem(username, itemId, productId, name, price, q, addedAt);
    }

    BigDecimal totalPrice() {
      return price.multiply(BigDecimal.valueOf(quantity));
    }

    CartLine toLine() {
      return new CartLine(itemId, productId, name, price, quantity, totalPrice());
    }
  }
}
