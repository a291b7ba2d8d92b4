package store.catalog;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Lock;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import store.catalog.CatalogRepository.Listing;
import store.catalog.CatalogRepository.Sort;
import store.platform.Caller;
import store.platform.Cql;
import store.platform.ProblemException;
import store.platform.Responses;
import store.platform.SharedFutures;

/**
 * The catalog's domain logic: listing (filter, sort, page) and CRUD; stock reservations are {@link Reservations}.
 * Knows nothing of HTTP or the event bus.
 *
 * <p>A page is read from the listing table clustered in its order, up to its last row only, and kept encoded in a
 * Caffeine cache: invalidated by every write in this process and bounded by a short TTL so replicas converge. Stock
 * is never served from a cache when it matters (reservations read and compare-and-set in Cassandra).
 */
public final class CatalogService {
  private static final int CAS_ATTEMPTS = 20;
  /** The encoded pages kept (in direct memory, see Responses.kept): a sample catalog's page is about 1.3 KB. */
  static final long PAGE_CACHE_BYTES = 16L << 20;

  private final Vertx vertx;
  private final CatalogRepository repository;
  /** Encoded pages by query: a repeated page costs a look-up, not a query or an encoding. */
  private final Cache<ListQuery, Future<Buffer>> pages;
  /** Category sizes (one partition) and price-range counts by listing: the totals pages show. */
  private final Cache<String, Future<Sizes>> sizes;
  private final Cache<List<Object>, Future<Long>> rangeCounts;
  private final Cache<UUID, Future<JsonObject>> products;
  private final AtomicLong productCount = new AtomicLong();
  private final MeterRegistry registry;
  /** Detail views by category: a bounded label (a product id label would be one series per product). */
  private final Map<String, Counter> viewsByCategory = new ConcurrentHashMap<>();

  CatalogService(Vertx vertx, CatalogRepository repository, MeterRegistry registry, long cacheTtlMs) {
    this.vertx = vertx;
    this.repository = repository;
    // bounded by bytes, not by count: any shopper can ask for thousands of distinct pages of up to 100 products
    this.pages = Caffeine.newBuilder().maximumWeight(PAGE_CACHE_BYTES)
        .<ListQuery, Future<Buffer>>weigher((query, page) -> page.succeeded() ? page.result().length() : 0)
        .expireAfterWrite(Duration.ofMillis(cacheTtlMs)).build();
    this.sizes = Caffeine.newBuilder().maximumSize(1).expireAfterWrite(Duration.ofMillis(cacheTtlMs)).build();
    this.rangeCounts = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMillis(cacheTtlMs))
        .build();
    // expiry from the load only: a stock move updates the copy's count (stockMoved) without making it last longer
    this.products = Caffeine.newBuilder().maximumSize(50_000)
        .expireAfter(Expiry.<UUID, Future<JsonObject>>creating((id, product) -> Duration.ofMillis(cacheTtlMs)))
        .build();
    this.registry = registry;
    Gauge.builder("products_count", productCount, AtomicLong::get).description("Products in the catalog")
        .register(registry);
    Gauge.builder("catalog_page_cache_bytes", pages, CatalogService::weight)
        .description("Encoded listing pages kept in memory (at most " + PAGE_CACHE_BYTES + " bytes)").register(registry);
  }

  private static double weight(Cache<?, ?> cache) {
    cache.cleanUp(); // the cache's bookkeeping is done in batches: the size as of now
    return cache.policy().eviction().orElseThrow().weightedSize().orElse(0);
  }

  Future<Void> start(String instance) {
    return repository.copyIntoListings(instance).compose(v -> refreshCount());
  }

  /** The products gauge, from the categories' sizes (one small partition; never a count of the products table). */
  Future<Void> refreshCount() {
    return repository.categorySizes().map(all -> {
      productCount.set(all.values().stream().mapToLong(n -> Math.max(0, n)).sum());
      return null;
    });
  }

  long productCount() {
    return productCount.get();
  }

  // ---- reading ----

  /** One page of a listing, encoded. Regular users must name a category; admins may list everything. */
  public Future<Buffer> list(Caller caller, ListQuery query) {
    if (!mayList(caller, query)) {
      return Future.failedFuture(ProblemException.forbidden(
          "Regular users must browse by category: add ?category=… (see /api/products/categories/list)"));
    }
    if (query.minPrice() != null && query.maxPrice() != null && query.minPrice().compareTo(query.maxPrice()) > 0) {
      return Future.failedFuture(ProblemException.invalidField("min_price", "must not exceed max_price"));
    }
    return cached(pages, query, () -> loadPage(query));
  }

  private static boolean mayList(Caller caller, ListQuery query) {
    return query.category() != null || caller.admin();
  }

  /** The page {@link #list} would answer, when it is kept and the caller may list it; null otherwise. */
  public Buffer keptPage(Caller caller, ListQuery query) {
    return mayList(caller, query) ? kept(pages, query) : null;
  }

  /**
   * Reads the page's total, then each shard's rows up to the page's end in the page's order, merges them (one shard
   * for a category) and keeps the page's slice: the cost follows skip + limit, never the listing's size.
   */
  private Future<Buffer> loadPage(ListQuery q) {
    Listing listing = Listing.of(q.category());
    Sort sort = "price".equals(q.sortBy()) ? Sort.PRICE : Sort.NAME;
    return total(listing, q).compose(total -> {
      long end = Math.min(total, (long) q.skip() + q.limit());
      if (q.skip() >= end) {
        return Future.succeededFuture(encode(List.of(), total, q));
      }
      List<Future<List<ProductSummary>>> shards = new ArrayList<>();
      for (int shard = 0; shard < listing.shards(); shard++) {
        shards.add(repository.firstRows(listing, shard, sort, q.descending(), q.minPrice(), q.maxPrice(),
            (int) end));
      }
      return Future.all(shards).map(all -> {
        List<ProductSummary> merged = merge(all.list(), q.descending() ? sort.order.reversed() : sort.order);
        return encode(merged.subList(Math.min(q.skip(), merged.size()), (int) Math.min(end, merged.size())), total,
            q);
      });
    });
  }

  /** The shards' rows, each already in the page's order, as one list in that order. */
  static List<ProductSummary> merge(List<List<ProductSummary>> shards, Comparator<ProductSummary> order) {
    if (shards.size() == 1) {
      return shards.get(0);
    }
    List<ProductSummary> all = new ArrayList<>();
    shards.forEach(all::addAll);
    all.sort(order); // a stable sort of sorted runs: linear work in practice, and at most 8 × (skip + limit) rows
    return all;
  }

  /** How many products the listing holds, or holds in the price range. */
  private Future<Long> total(Listing listing, ListQuery q) {
    if (q.minPrice() == null && q.maxPrice() == null) {
      return categorySizes().map(all -> q.category() == null
          ? all.values().stream().mapToLong(n -> Math.max(0, n)).sum()
          : Math.max(0, all.getOrDefault(q.category(), 0L)));
    }
    return cached(rangeCounts, Arrays.asList(listing.key(), q.minPrice(), q.maxPrice()), () -> {
      List<Future<Long>> counts = new ArrayList<>();
      for (int shard = 0; shard < listing.shards(); shard++) {
        counts.add(repository.countInRange(listing, shard, q.minPrice(), q.maxPrice()));
      }
      return Future.all(counts).map(all -> all.<Long>list().stream().mapToLong(Long::longValue).sum());
    });
  }

  /** A page in the original system's shape: items, total, page, pages, has_next, has_prev. */
  static Buffer encode(List<ProductSummary> items, long total, ListQuery q) {
    JsonArray array = new JsonArray(new ArrayList<>(items.size()));
    items.forEach(p -> array.add(p.toJson()));
    return Responses.kept(new JsonObject()
        .put("items", array)
        .put("total", total)
        .put("page", q.skip() / q.limit() + 1)
        .put("pages", (total + q.limit() - 1) / q.limit())
        .put("has_next", (long) q.skip() + q.limit() < total)
        .put("has_prev", q.skip() > 0)
        .toBuffer());
  }

  /** The categories' sizes, and the category list they make, encoded once: both as fresh as each other. */
  private record Sizes(Map<String, Long> byCategory, Buffer list) {
    static Sizes of(Map<String, Long> byCategory) {
      JsonArray list = new JsonArray();
      byCategory.forEach((name, count) -> {
        if (count > 0) {
          list.add(new JsonObject().put("name", name).put("product_count", count));
        }
      });
      return new Sizes(byCategory, Responses.kept(list.toBuffer()));
    }
  }

  private Future<Sizes> sizes() {
    return cached(sizes, "sizes", () -> repository.categorySizes().map(Sizes::of));
  }

  private Future<Map<String, Long>> categorySizes() {
    return sizes().map(Sizes::byCategory);
  }

  /** Every category that has products, with their number, by name: encoded. */
  public Future<Buffer> categories() {
    return sizes().map(Sizes::list);
  }

  /** The list {@link #categories} would answer, when it is kept; null otherwise. */
  public Buffer keptCategories() {
    Sizes kept = kept(sizes, "sizes");
    return kept == null ? null : kept.list();
  }

  /** A cache's value when it is there and loaded (no load started, no callback on a future of another loop). */
  private static <K, V> V kept(Cache<K, Future<V>> cache, K key) {
    Future<V> value = cache.getIfPresent(key);
    return value != null && value.succeeded() ? value.result() : null;
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

  /** A detail view by a shopper: counted in {@code product_views_total{category}}. */
  public Future<JsonObject> view(UUID id) {
    return get(id).onSuccess(p -> viewsByCategory.computeIfAbsent(p.getString("category"), category -> Counter
        .builder("product_views").description("Product detail views, by category").tag("category", category)
        .register(registry)).increment());
  }

  // ---- writing (admin) ----

  public Future<JsonObject> create(JsonObject body) {
    JsonObject product = new JsonObject().put("product_id", UUID.randomUUID().toString())
        .put("description", null).put("manufacturer", null).mergeIn(normalise(body));
    return repository.save(product, null)
        .compose(v -> repository.resize(product.getString("category"), 1))
        .map(v -> {
          productCount.incrementAndGet();
          invalidate(null);
          return product;
        });
  }

  public Future<JsonObject> update(UUID id, JsonObject changes) {
    return exclusively(id, () -> repository.find(id).compose(current -> {
      if (current == null) {
        return Future.failedFuture(ProblemException.notFound("Product " + id + " not found"));
      }
      JsonObject normalised = normalise(changes);
      String previousCategory = current.getString("category");
      JsonObject merged = current.copy().mergeIn(normalised);
      String category = merged.getString("category");
      // stock moves only by compare-and-set, so an admin's new count never overwrites a reservation made meanwhile
      Future<Void> stock = normalised.containsKey("stock_count")
          ? setStock(id, normalised.getInteger("stock_count")) : Future.succeededFuture();
      return stock.compose(s -> repository.save(merged, current))
          .compose(v -> previousCategory.equals(category) ? Future.succeededFuture()
              : repository.resize(previousCategory, -1).compose(w -> repository.resize(category, 1)))
          .map(v -> {
            invalidate(id);
            return merged;
          });
    }));
  }

  public Future<Void> delete(UUID id) {
    return exclusively(id, () -> repository.find(id).compose(current -> {
      if (current == null) {
        return Future.failedFuture(ProblemException.notFound("Product " + id + " not found"));
      }
      return repository.delete(current).compose(v -> repository.resize(current.getString("category"), -1)).map(v -> {
        productCount.decrementAndGet();
        invalidate(id);
        return null;
      });
    }));
  }

  /**
   * One admin change of a product at a time in this process: an update reads the listing rows' old keys to delete
   * them, and two changes racing on those keys would leave a stale row behind (or count a deletion twice).
   */
  private <T> Future<T> exclusively(UUID id, Supplier<Future<T>> change) {
    return vertx.sharedData().getLocalLockWithTimeout("product:" + id, 30_000)
        .compose(lock -> change.get().andThen(ar -> lock.release()));
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

  /** After an admin's write: pages and totals are read again (admin writes are rare; pages are many). */
  private void invalidate(UUID id) {
    pages.invalidateAll();
    sizes.invalidateAll();
    rangeCounts.invalidateAll();
    if (id != null) {
      products.invalidate(id);
    }
  }

  // ---- stock ----

  /** Drops a product's cached copy: its stock may have moved by an amount this process does not know. */
  void forget(UUID productId) {
    products.invalidate(productId);
  }

  /**
   * A stock move of this process applied: a cached copy of the product takes the new count, so the next add-to-cart
   * or checkout line finds it here instead of reading the row again. Its other fields and its expiry stay as loaded.
   */
  void stockMoved(UUID productId, int count) {
    products.asMap().computeIfPresent(productId, (id, cached) -> cached.succeeded() && cached.result() != null
        ? Future.succeededFuture(cached.result().copy().put("stock_count", count)) : null);
  }

  /** The lock that serialises this process's writes of a product's stock row: moves, marker clears, an admin's set. */
  static Future<Lock> stockLock(Vertx vertx, UUID productId) {
    return vertx.sharedData().getLocalLockWithTimeout("stock:" + productId, 30_000);
  }

  /**
   * Sets a product's stock to {@code count} by compare-and-set, under the same local lock as reservations; the shop's
   * total stock ({@code stock_total}, what the stock audit checks against) moves by the same difference.
   */
  Future<Void> setStock(UUID productId, int count) {
    return stockLock(vertx, productId)
        .compose(lock -> setStock(productId, count, 1).andThen(ar -> lock.release()))
        .andThen(ar -> products.invalidate(productId));
  }

  private Future<Void> setStock(UUID productId, int count, int attempt) {
    return repository.stockState(productId).compose(state -> {
      if (state == null) {
        return Future.failedFuture(ProblemException.notFound("Product " + productId + " not found"));
      }
      if (state.count() == count && state.total() != null) {
        return Future.succeededFuture(); // already so: also how a set whose answer was lost is found done
      }
      int total = (state.total() == null ? state.count() : state.total()) + count - state.count();
      return repository.setStock(productId, state.count(), count, total)
          // outcome unknown: read again (a set that landed reads as done above; one that did not is tried again)
          .recover(e -> Cql.unknownOutcome(e) ? Future.succeededFuture(false) : Future.failedFuture(e))
          .compose(applied -> applied
          ? Future.succeededFuture()
          : attempt >= CAS_ATTEMPTS
              ? Future.failedFuture(ProblemException.unavailable("Stock of " + productId + " is too contended"))
              : setStock(productId, count, attempt + 1));
    });
  }

  private static <K, V> Future<V> cached(Cache<K, Future<V>> cache, K key, Supplier<Future<V>> load) {
    boolean[] loading = {false};
    Future<V> future = cache.get(key, k -> {
      loading[0] = true;
      return load.get();
    });
    if (loading[0]) { // put again once loaded: a weighed cache learns the value's size (a load in flight weighs 0)
      future.onSuccess(value -> cache.asMap().replace(key, future, future));
    }
    if (future.succeeded()) { // a hit: its value, without a hop or a failure branch
      return Future.succeededFuture(future.result());
    }
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
