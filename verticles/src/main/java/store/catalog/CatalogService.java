package store.catalog;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import store.platform.Caller;
import store.platform.ProblemException;
import store.platform.SharedFutures;
import store.platform.Spans;

/**
 * The catalog's domain logic: listing (filter, sort, page), CRUD, and atomic stock reservation. Knows nothing of
 * HTTP or the event bus.
 *
 * <p>Listings are served from a Caffeine cache of whole category partitions, invalidated by every write in this
 * process and bounded by a short TTL so replicas converge; stock is never served from a cache when it matters
 * (reservations read and compare-and-set in Cassandra).
 */
public final class CatalogService {
  private static final int CAS_ATTEMPTS = 20;
  /** How long (× 100 ms) a reservation waits for another attempt with the same id to finish. */
  private static final int PENDING_WAITS = 50;

  private final Vertx vertx;
  private final CatalogRepository repository;
  private final Cache<String, Future<Listing>> listings;
  private final Cache<UUID, Future<JsonObject>> products;
  private final AtomicLong productCount = new AtomicLong();
  private final Counter views;

  CatalogService(Vertx vertx, CatalogRepository repository, MeterRegistry registry, long cacheTtlMs) {
    this.vertx = vertx;
    this.repository = repository;
    this.listings = Caffeine.newBuilder().maximumSize(1_000).expireAfterWrite(Duration.ofMillis(cacheTtlMs)).build();
    this.products = Caffeine.newBuilder().maximumSize(50_000).expireAfterWrite(Duration.ofMillis(cacheTtlMs)).build();
    this.views = Counter.builder("product_views").description("Product detail views").register(registry);
    Gauge.builder("products_count", productCount, AtomicLong::get).description("Products in the catalog")
        .register(registry);
  }

  Future<Void> start() {
    return repository.createSchema().compose(v -> refreshCount());
  }

  Future<Void> refreshCount() {
    return repository.count().map(n -> {
      productCount.set(n);
      return null;
    });
  }

  long productCount() {
    return productCount.get();
  }

  // ---- reading ----

  /** One page of a listing. Regular users must name a category; admins may list everything. */
  public Future<JsonObject> list(Caller caller, ListQuery query) {
    if (query.category() == null && !caller.admin()) {
      return Future.failedFuture(ProblemException.forbidden(
          "Regular users must browse by category: add ?category=… (see /api/products/categories/list)"));
    }
    if (query.minPrice() != null && query.maxPrice() != null && query.minPrice().compareTo(query.maxPrice()) > 0) {
      return Future.failedFuture(ProblemException.invalidField("min_price", "must not exceed max_price"));
    }
    String key = query.category() == null ? "*" : query.category();
    return cached(listings, key, () -> (query.category() == null ? repository.listAll()
        : repository.listCategory(query.category())).map(Listing::of)).map(listing -> page(listing, query));
  }

  /**
   * A listing's products, sorted once per cache load in both orders a page may ask for, so serving a page only
   * filters and slices: a request never sorts the category (with thousands of products per category, sorting on
   * every request dominated the CPU).
   */
  record Listing(List<ProductSummary> byName, List<ProductSummary> byPrice) {
    static final Comparator<ProductSummary> BY_NAME = Comparator
        .comparing(ProductSummary::name, String.CASE_INSENSITIVE_ORDER).thenComparing(ProductSummary::productId);
    static final Comparator<ProductSummary> BY_PRICE = Comparator.comparing(ProductSummary::price)
        .thenComparing(ProductSummary::name).thenComparing(ProductSummary::productId);

    static Listing of(List<ProductSummary> all) {
      List<ProductSummary> byName = new ArrayList<>(all);
      byName.sort(BY_NAME);
      List<ProductSummary> byPrice = new ArrayList<>(all);
      byPrice.sort(BY_PRICE);
      return new Listing(List.copyOf(byName), List.copyOf(byPrice));
    }
  }

  static JsonObject page(Listing listing, ListQuery q) {
    List<ProductSummary> ordered = "price".equals(q.sortBy()) ? listing.byPrice() : listing.byName();
    List<ProductSummary> matching = q.minPrice() == null && q.maxPrice() == null ? ordered : ordered.stream()
        .filter(p -> q.minPrice() == null || p.price().compareTo(q.minPrice()) >= 0)
        .filter(p -> q.maxPrice() == null || p.price().compareTo(q.maxPrice()) <= 0)
        .toList();
    int total = matching.size();
    JsonArray items = new JsonArray();
    long end = Math.min(total, (long) q.skip() + q.limit());
    for (long i = q.skip(); i < end; i++) {
      items.add(matching.get((int) (q.descending() ? total - 1 - i : i)).toJson());
    }
    int pages = (total + q.limit() - 1) / q.limit();
    return new JsonObject()
        .put("items", items)
        .put("total", total)
        .put("page", q.skip() / q.limit() + 1)
        .put("pages", pages)
        .put("has_next", (long) q.skip() + q.limit() < total)
        .put("has_prev", q.skip() > 0);
  }

  public Future<JsonArray> categories() {
    return cached(listings, "*", () -> repository.listAll().map(Listing::of)).map(listing -> {
      Map<String, Integer> counts = new TreeMap<>();
      listing.byName().forEach(p -> counts.merge(p.category(), 1, Integer::sum));
      JsonArray result = new JsonArray();
      counts.forEach((name, count) -> result.add(new JsonObject().put("name", name).put("product_count", count)));
      return result;
    });
  }

  public Future<JsonObject> get(UUID id) {
    return cached(products, id, () -> repository.find(id)).compose(product -> {
      if (product == null) {
        products.invalidate(id);
        return Future.failedFuture(ProblemException.notFound("Product " + id + " not found"));
      }
      return Future.succeededFuture(product.copy());
    });
  }

  /** A detail view by a shopper: counted in {@code product_views_total}. */
  public Future<JsonObject> view(UUID id) {
    return get(id).onSuccess(p -> views.increment());
  }

  // ---- writing (admin) ----

  public Future<JsonObject> create(JsonObject body) {
    JsonObject product = new JsonObject().put("product_id", UUID.randomUUID().toString())
        .put("description", null).put("manufacturer", null).mergeIn(normalise(body));
    return repository.save(product, null, true).compose(v -> {
      productCount.incrementAndGet();
      invalidate(product.getString("category"), null);
      return Future.succeededFuture(product);
    });
  }

  public Future<JsonObject> update(UUID id, JsonObject changes) {
    return repository.find(id).compose(current -> {
      if (current == null) {
        return Future.failedFuture(ProblemException.notFound("Product " + id + " not found"));
      }
      String previousCategory = current.getString("category");
      JsonObject normalised = normalise(changes);
      JsonObject merged = current.copy().mergeIn(normalised);
      // stock moves only by compare-and-set, so an admin's new count never overwrites a reservation made meanwhile
      Future<Void> stock = normalised.containsKey("stock_count")
          ? setStock(id, normalised.getInteger("stock_count")) : Future.succeededFuture();
      return stock.compose(s -> repository.save(merged, previousCategory, false)).map(v -> {
        invalidate(merged.getString("category"), id);
        invalidate(previousCategory, id);
        return merged;
      });
    });
  }

  public Future<Void> delete(UUID id) {
    return repository.find(id).compose(current -> {
      if (current == null) {
        return Future.failedFuture(ProblemException.notFound("Product " + id + " not found"));
      }
      return repository.delete(id, current.getString("category")).map(v -> {
        productCount.decrementAndGet();
        invalidate(current.getString("category"), id);
        return null;
      });
    });
  }

  private static JsonObject normalise(JsonObject body) {
    JsonObject p = new JsonObject();
    for (String field : List.of("name", "category", "description", "manufacturer")) {
      if (body.containsKey(field)) {
        String value = body.getString(field);
        p.put(field, value == null ? null : value.strip());
      }
    }
    if (body.containsKey("name") && p.getString("name").isEmpty()) {
      throw ProblemException.invalidField("name", "must not be blank");
    }
    if (body.containsKey("category") && p.getString("category").isEmpty()) {
      throw ProblemException.invalidField("category", "must not be blank");
    }
    if (body.containsKey("price")) {
      p.put("price", new BigDecimal(body.getValue("price").toString()));
    }
    if (body.containsKey("stock_count")) {
      p.put("stock_count", body.getInteger("stock_count"));
    }
    return p;
  }

  private void invalidate(String category, UUID id) {
    listings.invalidate(category);
    listings.invalidate("*");
    if (id != null) {
      products.invalidate(id);
    }
  }

  // ---- stock ----

  /**
   * Reserves every line or none. The reservation id makes it idempotent: a retry of a reservation that succeeded
   * answers the same lines again and takes nothing more. Lines are taken one by one with compare-and-set; if one
   * cannot be filled, the lines already taken are put back before the failure is reported.
   */
  public Future<JsonObject> reserve(String reservationId, List<Line> lines, String owner) {
    List<Line> merged = Line.merge(lines);
    merged.sort(Comparator.comparing(Line::productId)); // a stable order across concurrent reservations
    return Spans.around("catalog.reserve",
        () -> claimAndTake(reservationId, merged, Line.toJson(merged).encode(), owner, PENDING_WAITS));
  }

  private Future<JsonObject> claimAndTake(String reservationId, List<Line> lines, String requested, String owner,
      int waits) {
    return repository.claimReservation(reservationId, requested, owner).compose(existing -> {
      if (existing == null) {
        return takeAll(reservationId, lines);
      }
      if (!owner.equals(existing.owner())) {
        return Future.failedFuture(ProblemException.conflict("Reservation " + reservationId + " is taken"));
      }
      if ("RESERVED".equals(existing.state())) {
        return repository.reservation(reservationId).map(row -> reservedAnswer(reservationId,
            new JsonArray(row.getString("lines"))));
      }
      if ("PENDING".equals(existing.state()) && waits > 0) {
        // typically a transport retry meeting its own first attempt: wait for that attempt's outcome
        return vertx.timer(100, TimeUnit.MILLISECONDS)
            .compose(v -> claimAndTake(reservationId, lines, requested, owner, waits - 1));
      }
      return Future.failedFuture(ProblemException.conflict("Reservation " + reservationId + " is "
          + existing.state()));
    });
  }

  /**
   * A reservation as the order service needs it to record an order: its owner, state, and the lines with the
   * catalog's names and prices at the time stock was taken. Nobody else's word on prices is taken.
   */
  public Future<JsonObject> reservation(String reservationId) {
    return repository.reservation(reservationId).compose(row -> row == null
        ? Future.failedFuture(ProblemException.notFound("No reservation " + reservationId))
        : Future.succeededFuture(new JsonObject().put("reservation_id", reservationId)
            .put("state", row.getString("state")).put("owner", row.getString("owner"))
            .put("lines", new JsonArray(row.getString("lines")))));
  }

  private Future<JsonObject> takeAll(String reservationId, List<Line> lines) {
    List<JsonObject> taken = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (Line line : lines) {
      chain = chain.compose(v -> get(line.productId()).recover(e -> Future.failedFuture(
              e instanceof ProblemException p && p.status() == 404
                  ? ProblemException.notFound("Product " + line.productId() + " not found") : e))
          .compose(product -> adjust(line.productId(), -line.quantity()).map(ok -> {
            if (!ok) {
              throw new ProblemException(409, "insufficient-stock", "Not enough stock",
                  "Not enough items in stock: " + product.getString("name"));
            }
            taken.add(new JsonObject().put("product_id", line.productId().toString())
                .put("name", product.getString("name")).put("price", product.getValue("price"))
                .put("quantity", line.quantity()));
            return null;
          })));
    }
    return chain.compose(
        v -> repository.moveReservation(reservationId, "PENDING", "RESERVED", new JsonArray(taken).encode())
            .map(moved -> reservedAnswer(reservationId, new JsonArray(taken))),
        failure -> putBack(taken).compose(v -> repository.forgetReservation(reservationId))
            .transform(ignored -> Future.failedFuture(failure)));
  }

  private static JsonObject reservedAnswer(String reservationId, JsonArray lines) {
    return new JsonObject().put("reservation_id", reservationId).put("lines", lines);
  }

  /**
   * Gives back what a reservation took; idempotent (only a RESERVED reservation moves to RELEASED, once). Only its
   * owner, or a service acting on its own account (the order service cancelling), may release it.
   */
  public Future<JsonObject> release(String reservationId, Caller caller) {
    return repository.reservation(reservationId).compose(row -> {
      if (row != null && !caller.isSystem() && !caller.username().equals(row.getString("owner"))) {
        return Future.failedFuture(ProblemException.notFound("No reservation " + reservationId));
      }
      if (row == null || !"RESERVED".equals(row.getString("state"))) {
        return Future.succeededFuture(new JsonObject().put("reservation_id", reservationId).put("released", false));
      }
      String lines = row.getString("lines");
      return repository.moveReservation(reservationId, "RESERVED", "RELEASED", lines).compose(moved -> !moved
          ? Future.succeededFuture(new JsonObject().put("reservation_id", reservationId).put("released", false))
          : putBack(new JsonArray(lines).stream().map(o -> (JsonObject) o).toList())
              .map(v -> new JsonObject().put("reservation_id", reservationId).put("released", true)));
    });
  }

  private Future<Void> putBack(List<JsonObject> lines) {
    Future<Void> chain = Future.succeededFuture();
    for (JsonObject line : lines) {
      chain = chain.compose(v -> adjust(UUID.fromString(line.getString("product_id")), line.getInteger("quantity"))
          .mapEmpty());
    }
    return chain;
  }

  /**
   * Adds {@code delta} to a product's stock with compare-and-set, never going below zero. Within this process the
   * attempts on one product are serialised by a local lock, so concurrent checkouts don't fight in Paxos; across
   * replicas the compare-and-set alone keeps the count right.
   */
  Future<Boolean> adjust(UUID productId, int delta) {
    return vertx.sharedData().getLocalLockWithTimeout("stock:" + productId, 30_000)
        .compose(lock -> repository.stock(productId)
            .compose(current -> current == null ? Future.failedFuture(
                ProblemException.notFound("Product " + productId + " not found")) : cas(productId, current, c -> c + delta, 1))
            .andThen(ar -> lock.release()))
        .andThen(ar -> products.invalidate(productId));
  }

  /** Sets a product's stock to {@code count} by compare-and-set, under the same local lock as reservations. */
  Future<Void> setStock(UUID productId, int count) {
    return vertx.sharedData().getLocalLockWithTimeout("stock:" + productId, 30_000)
        .compose(lock -> repository.stock(productId)
            .compose(current -> current == null ? Future.failedFuture(
                ProblemException.notFound("Product " + productId + " not found"))
                : cas(productId, current, c -> count, 1))
            .andThen(ar -> lock.release()))
        .andThen(ar -> products.invalidate(productId))
        .mapEmpty();
  }

  private Future<Boolean> cas(UUID productId, int current, java.util.function.IntUnaryOperator target, int attempt) {
    int next = target.applyAsInt(current);
    if (next < 0) {
      return Future.succeededFuture(false);
    }
    return repository.swapStock(productId, current, next).compose(swap -> {
      if (swap.applied()) {
        return Future.succeededFuture(true);
      }
      if (swap.current() == null) {
        return Future.failedFuture(ProblemException.notFound("Product " + productId + " not found"));
      }
      if (attempt >= CAS_ATTEMPTS) {
        return Future.failedFuture(ProblemException.unavailable("Stock of " + productId + " is too contended"));
      }
      return cas(productId, swap.current(), target, attempt + 1);
    });
  }

  private static <K, V> Future<V> cached(Cache<K, Future<V>> cache, K key, Supplier<Future<V>> load) {
    Future<V> future = cache.get(key, k -> load.get());
    return SharedFutures.onCallerContext(future).recover(e -> {
      cache.asMap().remove(key, future); // never cache a failure
      return Future.failedFuture(e);
    });
  }

  /** One line of a reservation. */
  public record Line(UUID productId, int quantity) {
    /** The most lines one reservation (one order) may have. */
    public static final int MAX_LINES = 100;

    /** One line per product (quantities of repeated ids added up), at most {@link #MAX_LINES}. */
    static List<Line> merge(List<Line> lines) {
      java.util.Map<UUID, Integer> quantities = new java.util.LinkedHashMap<>();
      lines.forEach(l -> quantities.merge(l.productId(), l.quantity(), Integer::sum));
      if (quantities.size() > MAX_LINES) {
        throw ProblemException.invalidField("items", "an order may have at most " + MAX_LINES + " products");
      }
      List<Line> merged = new ArrayList<>();
      quantities.forEach((id, q) -> merged.add(new Line(id, q)));
      return merged;
    }

    static JsonArray toJson(List<Line> lines) {
      JsonArray array = new JsonArray();
      lines.forEach(l -> array.add(new JsonObject().put("product_id", l.productId().toString())
          .put("quantity", l.quantity())));
      return array;
    }
  }

  /** Listing parameters, validated by the contract before they get here. */
  public record ListQuery(String category, int skip, int limit, String sortBy, boolean descending,
      BigDecimal minPrice, BigDecimal maxPrice) {
  }
}
