package store.catalog;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import store.platform.Cql;

/**
 * Fills the catalog with generated products for benchmarks ({@code load-products}): the same rows an admin's
 * {@code POST /api/products/} writes, {@code parallel} batches in flight, categories {@code bench-0..n-1}.
 */
public final class CatalogBulkLoad {
  private CatalogBulkLoad() {
  }

  /** Answers how many products were written. The catalog's tables exist already (the operator command's first step). */
  public static Future<Integer> load(Cql cql, int count, int categories, int parallel) {
    CatalogRepository repository = new CatalogRepository(cql);
    Map<String, Long> added = new TreeMap<>();
    AtomicInteger next = new AtomicInteger();
    Promise<Void> done = Promise.promise();
    AtomicInteger running = new AtomicInteger(Math.min(parallel, count));
    Random random = new Random();
    if (count == 0) {
      done.complete();
    }
    for (int lane = 0; lane < Math.min(parallel, count); lane++) {
      writeNext(repository, next, count, categories, random, added, running, done);
    }
    return done.future().compose(v -> repository.resizeAll(added)).map(v -> count);
  }

  private static void writeNext(CatalogRepository repository, AtomicInteger next, int count, int categories,
      Random random, Map<String, Long> added, AtomicInteger running, Promise<Void> done) {
    int i = next.getAndIncrement();
    if (i >= count) {
      if (running.decrementAndGet() == 0) {
        done.tryComplete();
      }
      return;
    }
    String category = "bench-" + (i % categories);
    JsonObject product = new JsonObject().put("product_id", UUID.randomUUID().toString())
        .put("name", "Product " + Integer.toString(random.nextInt(Integer.MAX_VALUE), 36) + " " + i)
        .put("category", category)
        .put("price", BigDecimal.valueOf(100 + random.nextInt(100_000), 2))
        .put("stock_count", 1_000).put("description", null).put("manufacturer", "Bench");
    repository.save(product, null).onComplete(ar -> {
      if (ar.failed()) {
        done.tryFail(ar.cause());
        return;
      }
      synchronized (added) {
        added.merge(category, 1L, Long::sum);
      }
      writeNext(repository, next, count, categories, random, added, running, done);
    });
  }
}
