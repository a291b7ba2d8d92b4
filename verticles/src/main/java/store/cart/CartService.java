package store.cart;

import com.datastax.oss.driver.api.core.cql.Row;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import store.cart.CartRepository.CartItem;
import store.cart.api.CartOperations.Cart;
import store.catalog.api.CatalogClient;
import store.catalog.api.CatalogOperations;
import store.catalog.api.CatalogOperations.Product;
import store.order.api.OrderClient;
import store.order.api.OrderOperations;
import store.order.api.OrderOperations.Order;
import store.platform.Caller;
import store.platform.ProblemException;
import store.platform.Spans;

/**
 * The cart's domain logic: lines validated against the catalog's stock, recently viewed products with a last-known
 * copy for when the catalog is down, and the all-or-nothing checkout.
 */
public final class CartService {
  private static final Logger LOG = LoggerFactory.getLogger(CartService.class);
  private final CartRepository repository;
  private final CatalogClient catalog;
  private final OrderClient orders;
  /** Checkout rows: {@code k:<Idempotency-Key>} per key, and one lock row per cart. */
  private static final String KEY_PREFIX = "k:";
  static final String CART_LOCK = "lock";
  /** The most distinct products a cart holds (and so an order). */
  static final int MAX_LINES = 100;

  private final int viewsLimit;
  private final int leaseSeconds;
  private final Counter itemsAdded;
  private final Counter stockFailures;
  private final DistributionSummary cartValue;
  /** Products whose last known copy this process wrote in the last minute ({@link #keepSnapshot}). */
  private final Cache<UUID, Boolean> snapshotsKept = Caffeine.newBuilder().maximumSize(100_000)
      .expireAfterWrite(Duration.ofMinutes(1)).build();

  CartService(CartRepository repository, CatalogClient catalog, OrderClient orders, MeterRegistry registry,
      int viewsLimit, int leaseSeconds) {
    this.leaseSeconds = leaseSeconds;
    this.repository = repository;
    this.catalog = catalog;
    this.orders = orders;
    this.viewsLimit = viewsLimit;
    this.itemsAdded = Counter.builder("cart_items_added").description("Products added to carts").register(registry);
    this.stockFailures = Counter.builder("stock_validation_failures")
        .description("Cart changes refused for lack of stock").register(registry);
    this.cartValue = DistributionSummary.builder("cart_value").description("Value of carts checked out")
        .publishPercentileHistogram().register(registry);
  }

  // ---- the cart ----

  public Future<Cart> cart(String username) {
    return repository.items(username).map(CartService::cartOf);
  }

  private static Cart cartOf(List<CartItem> items) {
    List<CartItem> lines = sorted(items);
    return new Cart(lines.stream().map(CartItem::toLine).toList(),
        lines.stream().map(CartItem::totalPrice).reduce(BigDecimal.ZERO, BigDecimal::add));
  }

  private static List<CartItem> sorted(List<CartItem> items) {
    return items.stream().sorted(Comparator.comparing(CartItem::addedAt).thenComparing(CartItem::itemId)).toList();
  }

  /**
   * Adds a product; a product already in the cart gets its quantity raised. Stock is asked of the catalog. An
   * {@code addKey} (the request's Idempotency-Key, or null) is recorded with the line, in the same write, for a day:
   * a retry of an add whose answer was lost finds it and adds nothing, answering the line as it is now, or as the add
   * answered when the line has gone since (checked out, removed).
   */
  public Future<JsonObject> add(Caller caller, UUID productId, int quantity, String addKey) {
    // the product (from the catalog), the cart and the key's record (from Cassandra) are independent reads: all start
    // now; the catalog's answer is looked at first, so its refusal (404, 503) is the one the caller gets
    Future<Product> asked = catalog.product(productId, caller);
    Future<List<CartItem>> cart = repository.items(caller.username());
    Future<JsonObject> made = addKey == null ? Future.succeededFuture()
        : repository.keyedAdd(caller.username(), productId, addKey);
    return asked.compose(product -> {
      keepSnapshot(product);
      return Future.all(cart, made).compose(v -> {
        List<CartItem> items = cart.result();
        CartItem existing = items.stream().filter(i -> i.productId().equals(productId)).findFirst().orElse(null);
        if (made.result() != null) { // this add was made: its answer was lost
          return Future.succeededFuture(existing != null ? existing.toLine().toJson() : made.result());
        }
        if (existing == null && items.size() >= MAX_LINES) {
          throw ProblemException.invalidField("product_id", "a cart holds at most " + MAX_LINES + " products");
        }
        int wanted = quantity + (existing == null ? 0 : existing.quantity());
        requireStock(product, wanted);
        UUID itemId = existing == null ? newLineId(caller, productId, addKey) : existing.itemId();
        CartItem line = new CartItem(caller.username(), itemId, productId, product.name(), product.price(), wanted,
            existing == null ? Instant.now() : existing.addedAt());
        JsonObject answer = line.toLine().toJson();
        return (addKey == null ? repository.save(line) : repository.save(line, addKey, answer)).map(saved -> {
          itemsAdded.increment(quantity);
          return answer;
        });
      });
    });
  }

  /**
   * A new line's id. A keyed add's comes from the key: an attempt retried while the first is still on its way read the
   * same cart, and writes the same row instead of a second line. The product is part of it, so a client that reuses a
   * key for another product still gets both lines.
   */
  private static UUID newLineId(Caller caller, UUID productId, String addKey) {
    return addKey == null ? UUID.randomUUID() : UUID.nameUUIDFromBytes(("cart-add\n" + caller.username() + "\n"
        + productId + "\n" + addKey).getBytes(StandardCharsets.UTF_8));
  }

  /** Sets a line's quantity; {@code id} is a cart item id or a product id. */
  public Future<JsonObject> update(Caller caller, UUID id, int quantity) {
    return repository.items(caller.username()).compose(items -> {
      List<CartItem> lines = matching(items, id);
      CartItem first = lines.get(0);
      return catalog.product(first.productId(), caller).compose(product -> {
        requireStock(product, quantity);
        CartItem updated = first.withQuantity(quantity);
        List<UUID> duplicates = lines.stream().skip(1).map(CartItem::itemId).toList();
        return repository.save(updated).compose(v -> repository.delete(caller.username(), duplicates))
            .map(v -> updated.toLine().toJson());
      });
    });
  }

  /** Removes a line, or every line of a product. */
  public Future<JsonObject> remove(Caller caller, UUID id) {
    return repository.items(caller.username()).compose(items -> {
      List<UUID> ids = matching(items, id).stream().map(CartItem::itemId).toList();
      return repository.delete(caller.username(), ids)
          .map(v -> new JsonObject().put("message", "Item removed from cart").put("removed", ids.size()));
    });
  }

  public Future<JsonObject> clear(String username) {
    return repository.items(username).compose(items -> repository.delete(username,
        items.stream().map(CartItem::itemId).toList())).map(v -> new JsonObject().put("message", "Cart cleared"));
  }

  private static List<CartItem> matching(List<CartItem> items, UUID id) {
    List<CartItem> byItem = items.stream().filter(i -> i.itemId().equals(id)).toList();
    List<CartItem> lines = byItem.isEmpty() ? items.stream().filter(i -> i.productId().equals(id)).toList() : byItem;
    if (lines.isEmpty()) {
      throw ProblemException.notFound("No cart item or product " + id + " in the cart");
    }
    return lines;
  }

  private void requireStock(Product product, int wanted) {
    if (product.stockCount() < wanted) {
      stockFailures.increment();
      throw new ProblemException(400, "insufficient-stock", "Not enough stock", "Not enough items in stock");
    }
  }

  // ---- checkout ----

  /**
   * Place the order (the order service has the catalog reserve the stock, all lines or none, and commit it in the
   * same move) → remove the ordered lines. A line that cannot be had gives back what the others took, and the cart is
   * only touched once the order exists, so a failed checkout leaves cart and stock as they were.
   *
   * <p>One checkout per cart at a time: a lock row (with a lease, so a crash cannot hold it) refuses a second one
   * with 409, key or no key. With an {@code Idempotency-Key} the order id is derived from the key, so a repeated
   * request answers the first order, and a retry after a crash meets the same reservation and the same order. An
   * attempt whose reservation was given back (the order could not be made) made no order and never will: the next
   * one derives the next id from the key ({@link OrderOperations#orderIdFor}).
   */
  public Future<Order> checkout(Caller caller, String idempotencyKey) {
    return Spans.around("cart.checkout", () -> checkoutTraced(caller, idempotencyKey));
  }

  private Future<Order> checkoutTraced(Caller caller, String idempotencyKey) {
    String username = caller.username();
    if (idempotencyKey == null) {
      return underCartLock(caller, attempt -> UUID.randomUUID(), new int[1], false);
    }
    String key = KEY_PREFIX + idempotencyKey;
    IntFunction<UUID> orderIds = attempt -> OrderOperations.orderIdFor(username, idempotencyKey, attempt);
    UUID first = orderIds.apply(0);
    UUID lock = UUID.randomUUID();
    // the common case, a new key on a free cart: key and lock claimed together; anything else (a key seen before,
    // a cart being checked out) takes the row-by-row path below, which tells the cases apart
    return repository.claimKeyAndLock(username, key, first, CART_LOCK, lock, leaseSeconds).compose(both -> {
      if (!both) {
        return claimKeyThenLock(caller, key, orderIds);
      }
      int[] attempt = {0};
      Future<Order> placed = placeOrder(caller, orderIds, attempt, true);
      return placed.transform(done -> done.succeeded()
          ? repository.finishKeyAndLock(username, key, first, done.result().id(), CART_LOCK, lock)
              .transform(finished -> finished.succeeded() && finished.result() ? Future.succeededFuture()
                  : repository.releaseClaim(username, CART_LOCK, lock)
                      .transform(x -> keyDone(username, key, first, done.result())))
              .map(done.result())
          : repository.releaseClaim(username, CART_LOCK, lock)
              .transform(x -> repository.retryLater(username, key, first, attempt[0]))
              .transform(x -> Future.failedFuture(done.cause())));
    });
  }

  private Future<Order> claimKeyThenLock(Caller caller, String key, IntFunction<UUID> orderIds) {
    String username = caller.username();
    return claimKey(username, key, orderIds).compose(claim -> {
      if (claim.existing() != null) {
        return "DONE".equals(claim.existing().getString("state"))
            ? orders.get(caller, claim.existing().getUuid("order_id"))
            : Future.failedFuture(ProblemException.conflict("A checkout with this Idempotency-Key is in progress",
                leaseLeft(claim.existing())));
      }
      int[] attempt = {claim.attempt()};
      return underCartLock(caller, orderIds, attempt, true).compose(
          order -> keyDone(username, key, claim.token(), order).map(order),
          // the key stays, saying where a retry resumes: the attempts before it made no order
          failure -> repository.retryLater(username, key, claim.token(), attempt[0])
              .transform(x -> Future.failedFuture(failure)));
    });
  }

  /**
   * The key answers its order from now on. The order exists whatever happens here: if the key cannot be marked, a
   * retry finds it once the claim's lease runs out ({@link #orderMadeEarlier}), so the answer stands.
   */
  private Future<Void> keyDone(String username, String key, UUID claimedAs, Order order) {
    return repository.completeCheckout(username, key, claimedAs, order.id()).recover(failure -> {
      LOG.warn("Checkout {} made order {} but could not mark its key: {}", key, order.id(), failure.toString());
      return Future.succeededFuture();
    });
  }

  /**
   * Seconds until a claim's lease runs out: a checkout that died holding it (a killed cart process) blocks its key
   * and its cart until then, so a client told 409 knows when to try again.
   */
  private int leaseLeft(Row claim) {
    Instant claimed = claim.getInstant("created_at");
    long left = claimed == null ? leaseSeconds
        : leaseSeconds - Duration.between(claimed, Instant.now()).getSeconds();
    return (int) Math.max(1, Math.min(leaseSeconds, left));
  }

  /** A key's claim: this checkout's (at the attempt it resumes from, with its token), or another's row. */
  private record KeyClaim(Row existing, int attempt, UUID token) {
  }

  /**
   * Claims the key for this checkout: fresh, or after a failed try (state RETRY: resumed at the attempt that try
   * reached, so a retry does not walk every closed reservation again); anything else is another checkout's row.
   */
  private Future<KeyClaim> claimKey(String username, String key, IntFunction<UUID> orderIds) {
    UUID first = orderIds.apply(0);
    return repository.claimCheckout(username, key, first, leaseSeconds).compose(existing -> {
      if (existing == null || !"RETRY".equals(existing.getString("state"))) {
        return Future.succeededFuture(new KeyClaim(existing, 0, first));
      }
      int attempt = existing.isNull("attempt") ? 0 : existing.getInt("attempt");
      UUID token = UUID.randomUUID();
      return repository.resumeCheckout(username, key, token, attempt, leaseSeconds)
          .map(other -> new KeyClaim(other, attempt, token));
    });
  }

  /** One checkout per cart at a time: the lock row, held while the order is placed. */
  private Future<Order> underCartLock(Caller caller, IntFunction<UUID> orderIds, int[] attempt, boolean keyed) {
    UUID token = UUID.randomUUID();
    return repository.claimCheckout(caller.username(), CART_LOCK, token, leaseSeconds).compose(locked -> {
      if (locked != null) {
        return Future.failedFuture(ProblemException.conflict("A checkout of this cart is already in progress",
            leaseLeft(locked)));
      }
      // released before the answer: a client that checks out again straight away must not find its own lock (a
      // failed release leaves the lease to expire; the answer stands)
      Future<Order> placed = placeOrder(caller, orderIds, attempt, keyed);
      return placed.transform(done -> repository.releaseClaim(caller.username(), CART_LOCK, token))
          .transform(released -> placed);
    });
  }

  private Future<Order> placeOrder(Caller caller, IntFunction<UUID> orderIds, int[] attempt, boolean keyed) {
    return repository.items(caller.username()).compose(items -> {
      if (items.isEmpty()) {
        return keyed ? orderMadeEarlier(caller, orderIds, attempt, attempt[0] + OrderOperations.MAX_ATTEMPTS)
            : Future.failedFuture(cartIsEmpty());
      }
      Map<UUID, Integer> quantities = new LinkedHashMap<>();
      sorted(items).forEach(i -> quantities.merge(i.productId(), i.quantity(), Integer::sum));
      JsonArray lines = new JsonArray();
      quantities.forEach((id, q) -> lines.add(new JsonObject().put("product_id", id.toString()).put("quantity", q)));
      return reserveAndOrder(caller, orderIds, attempt, attempt[0] + OrderOperations.MAX_ATTEMPTS, lines)
          .compose(order -> repository.delete(caller.username(), items.stream().map(CartItem::itemId).toList())
              .map(v -> {
                cartValue.record(order.total().doubleValue());
                return order;
              }));
    });
  }

  private static ProblemException cartIsEmpty() {
    return ProblemException.badRequest("Cart is empty");
  }

  /**
   * A keyed checkout that finds the cart empty may be the retry of one that made its order and emptied the cart, but
   * died before it could mark the key DONE (its claim's lease ran out). The key's attempts are walked the way that
   * checkout walked them, by their reservations: closed ones made no order; an ORDERED one is the order (asked for
   * again, idempotently, so an order cut short is finished); one still RESERVED was never ordered (the shopper has
   * emptied the cart since) and gives its stock back; none at all means no earlier checkout got this far.
   */
  private Future<Order> orderMadeEarlier(Caller caller, IntFunction<UUID> orderIds, int[] attempt, int limit) {
    UUID orderId = orderIds.apply(attempt[0]);
    String reservationId = "order:" + orderId;
    return catalog.reservation(reservationId, caller).transform(found -> {
      if (found.failed()) {
        return Future.failedFuture(found.cause() instanceof ProblemException p && p.status() == 404
            ? cartIsEmpty() : found.cause());
      }
      String state = found.result().state();
      if ("ORDERED".equals(state)) {
        return orders.create(caller, orderId, reservationId);
      }
      if ("RESERVED".equals(state) || "PENDING".equals(state)) {
        return catalog.release(reservationId, caller).compose(released -> Future.failedFuture(cartIsEmpty()));
      }
      if (attempt[0] >= limit) {
        return Future.failedFuture(cartIsEmpty());
      }
      attempt[0]++;
      return orderMadeEarlier(caller, orderIds, attempt, limit);
    });
  }

  /**
   * One attempt ({@code attempt[0]}): the order service places the order under its id, reserving the stock (all
   * lines or none) and committing it in one move; a closed reservation (an earlier try gave it back: no order under
   * it, ever) moves on to the next attempt.
   */
  private Future<Order> reserveAndOrder(Caller caller, IntFunction<UUID> orderIds, int[] attempt, int limit,
      JsonArray lines) {
    UUID orderId = orderIds.apply(attempt[0]);
    return orders.place(caller, orderId, lines).recover(failure -> {
      if (failure instanceof ProblemException p && CatalogOperations.RESERVATION_CLOSED.equals(p.slug())
          && attempt[0] < limit) {
        attempt[0]++;
        return reserveAndOrder(caller, orderIds, attempt, limit, lines);
      }
      return failure instanceof ProblemException p && p.status() < 500 ? Future.failedFuture(failure)
          : orderMadeAnyway(caller, orderId, failure);
    });
  }

  /**
   * After a place that failed for want of an answer (a timeout, the order service or its storage down): the catalog
   * may have committed the stock before the failure (state ORDERED), and then the order exists; asking for it again
   * (idempotent) records and answers it. Otherwise the failure stands: a reservation left PENDING is abandoned by the
   * catalog's sweeper, unless the order service's repair of its intent finds it ordered first.
   */
  private Future<Order> orderMadeAnyway(Caller caller, UUID orderId, Throwable failure) {
    String reservationId = "order:" + orderId;
    return catalog.reservation(reservationId, caller).transform(found ->
        found.succeeded() && "ORDERED".equals(found.result().state())
            ? orders.create(caller, orderId, reservationId).recover(again -> Future.failedFuture(failure))
            : Future.failedFuture(failure));
  }

  // ---- recently viewed ----

  /**
   * Records a view and answers the product. When the catalog cannot answer, the last known copy is served, marked
   * {@code stale}; a product the catalog says does not exist is a 404.
   */
  public Future<JsonObject> view(Caller caller, UUID productId) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS); // as stored: the list of views shows the same time
    Future<JsonObject> product = catalog.product(productId, caller)
        .map(found -> keepSnapshot(found).put("stale", false))
        .recover(failure -> failure instanceof ProblemException p && p.status() == 503
            ? repository.snapshot(productId).compose(copy -> copy == null ? Future.failedFuture(failure)
                : Future.succeededFuture(copy.put("stale", true)))
            : Future.failedFuture(failure));
    return product.compose(p -> repository.recordView(caller.username(), productId, now).map(v -> {
      trimViews(caller.username()); // after the answer: the list shows its newest views whatever is left over
      return new JsonObject().put("product_id", productId.toString()).put("viewed_at", now.toString())
          .put("product", p);
    }));
  }

  /**
   * The product's last known copy, for views while the catalog is down: written at most once a minute per product
   * by this process, not at every view and add (it is only ever shown marked stale). Not awaited. Answers the
   * product's JSON.
   */
  private JsonObject keepSnapshot(Product product) {
    JsonObject json = product.toJson();
    UUID id = product.productId();
    if (snapshotsKept.asMap().putIfAbsent(id, Boolean.TRUE) == null) {
      repository.saveSnapshot(json).onFailure(e -> snapshotsKept.invalidate(id)); // the next one tries again
    }
    return json;
  }

  public Future<JsonArray> recentViews(String username) {
    return repository.views(username).map(rows -> {
      JsonArray result = new JsonArray();
      newestFirst(rows).stream().limit(viewsLimit).forEach(r -> result.add(new JsonObject()
          .put("product_id", r.getUuid("product_id").toString())
          .put("viewed_at", r.getInstant("viewed_at").toString())));
      return result;
    });
  }

  /**
   * Forgets all but the newest views; a failure leaves them for the next view's trim. "Newest" by write time here, so
   * the views kept are exactly those written after the ones forgotten.
   */
  private void trimViews(String username) {
    repository.views(username).compose(rows -> {
      if (rows.size() <= viewsLimit) {
        return Future.succeededFuture();
      }
      List<Long> written = rows.stream().map(row -> row.getLong("written")).sorted(Comparator.reverseOrder()).toList();
      return repository.forgetViewsUpTo(username, written.get(viewsLimit));
    }).onFailure(e -> LOG.debug("Recent views of {} not trimmed: {}", username, e.toString()));
  }

  private static List<Row> newestFirst(List<Row> rows) {
    return rows.stream().sorted(Comparator.comparing((Row r) -> r.getInstant("viewed_at")).reversed()).toList();
  }

  // ---- admin ----

  /** How many carts a page of everyone's carts holds when the admin names no limit. */
  static final int ADMIN_PAGE = 100;

  /** A page of carts, each with its {@code username}, and the cursor of the next page (null on the last one). */
  public record CartPage(JsonArray carts, String next) {
  }

  /**
   * Everyone's carts (admin), a page at a time: {@code limit} users' carts (100 unless given) after the user named
   * by {@code cursor}, in the table's order. Each page costs its own carts' reads, however many carts there are.
   */
  public Future<CartPage> carts(String cursor, Integer limit) {
    int size = limit == null ? ADMIN_PAGE : limit;
    String after;
    // the cursor names the page's last user, in base64url: any user name, and nothing a header cannot carry
    try {
      after = cursor == null ? null : new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(ProblemException.invalidField("cursor", "not a cursor this list gave"));
    }
    return repository.cartOwners(after, size + 1).compose(owners -> {
      List<String> page = owners.subList(0, Math.min(size, owners.size()));
      return Future.all(page.stream().map(repository::items).toList()).map(read -> {
        JsonArray carts = new JsonArray();
        for (int i = 0; i < page.size(); i++) {
          List<CartItem> lines = read.resultAt(i);
          if (!lines.isEmpty()) { // emptied since its user was listed
            carts.add(cartOf(lines).toJson().put("username", page.get(i)));
          }
        }
        return new CartPage(carts, owners.size() > size ? Base64.getUrlEncoder().withoutPadding()
            .encodeToString(page.get(size - 1).getBytes(StandardCharsets.UTF_8)) : null);
      });
    });
  }
}
