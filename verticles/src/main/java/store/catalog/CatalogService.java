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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import store.platform.Caller;
import store.platform.ProblemException;
import store.platform.SharedFutures;

/**
 * The catalog's domain logic: listing (filter, sort, page) and CRUD; stock reservations are {@link Reservations}.
 * Knows nothing of HTTP or the event bus.
 *
 * <p>Listings are served from a Caffeine cache of whole category partitions, invalidated by every write in this
 * process and bounded by a short TTL so replicas converge; stock is never served from a cache when it matters
 * (reservations read and compare-and-set in Cassandra).
 */
public final class CatalogService {
  private static final int CAS_ATTEMPTS = 20;

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
    return repository.save(product, null).compose(v -> {
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
      return stock.compose(s -> repository.save(merged, previousCategory)).map(v -> {
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

  /** Drops a product's cached copy after its stock moved. */
  void forget(UUID productId) {
    products.invalidate(productId);
  }

  /**
   * Sets a product's stock to {@code count} by compare-and-set, under the same local lock as reservations; the shop's
   * total stock ({@code stock_total}, what the stock audit checks against) moves by the same difference.
   */
  Future<Void> setStock(UUID productId, int count) {
    return vertx.sharedData().getLocalLockWithTimeout("stock:" + productId, 30_000)
        .compose(lock -> setStock(productId, count, 1).andThen(ar -> lock.release()))
        .andThen(ar -> products.invalidate(productId));
  }

  private Future<Void> setStock(UUID productId, int count, int attempt) {
    return repository.stockState(productId).compose(state -> {
      if (state == null) {
        return Future.failedFuture(ProblemException.notFound("Product " + productId + " not found"));
      }
      int total = (state.total() == null ? state.count() : state.total()) + count - state.count();
      return repository.setStock(productId, state.count(), count, total).compose(applied -> applied
          ? Future.succeededFuture()
          : attempt >= CAS_ATTEMPTS
              ? Future.failedFuture(ProblemException.unavailable("Stock of " + productId + " is too contended"))
              : setStock(productId, count, attempt + 1));
    });
  }

  private static <K, V> Future<V> cached(Cache<K, Future<V>> cache, K key, Supplier<Future<V>> load) {
    Future<V> future = cache.get(key, k -> load.get());
    return SharedFutures.onCallerContext(future).recover(e -> {
      cache.asMap().remove(key, future); // never cache a failure
      return Future.failedFuture(e);
    });
  }

  /** Listing parameters, validated by the contract before they get here. */
  public record ListQuery(String category, int skip, int limit, String sortBy, boolean descending,
      BigDecimal minPrice, BigDecimal maxPrice) {
  }
}
