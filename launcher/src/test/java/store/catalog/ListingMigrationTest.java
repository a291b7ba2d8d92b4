package store.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.math.BigDecimal;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.catalog.CatalogRepository.Listing;
import store.catalog.CatalogRepository.Sort;
import store.platform.Cql;
import store.testing.TestStore;

/**
 * Products written before the listing tables existed (rows in {@code products} only) are copied into them once,
 * and copying again never counts a product twice.
 */
@ExtendWith(VertxExtension.class)
class ListingMigrationTest {

  @Test
  void olderProductsAreListedAndCountedOnce(VertxTestContext ctx) throws Exception {
    TestStore.start();
    Cql cql = TestStore.cql();
    CatalogRepository repository = new CatalogRepository(cql);
    String category = CatalogApi.newCategory("migrated");
    UUID id = UUID.randomUUID();
    cql.run("test.old-product", "INSERT INTO products (product_id, name, category, price, stock_count) "
            + "VALUES (?, ?, ?, ?, ?)", id, "Old Lamp", category, new BigDecimal("12.50"), 3)
        .compose(v -> forgetMigration(cql))
        .compose(v -> repository.copyIntoListings("test-a"))
        .compose(v -> forgetMigration(cql)) // as if the first copy had been cut short before it was marked done
        .compose(v -> repository.copyIntoListings("test-b"))
        .compose(v -> repository.firstRows(Listing.of(category), 0, Sort.PRICE, false, null, null, 10))
        .compose(rows -> {
          assertThat(rows).extracting(ProductSummary::productId).containsExactly(id);
          assertThat(rows.get(0).name()).isEqualTo("Old Lamp");
          return repository.categorySizes();
        })
        .map(sizes -> {
          assertThat(sizes.get(category)).as("counted once over two copies").isEqualTo(1L);
          return sizes;
        })
        .onComplete(ctx.succeedingThenComplete());
  }

  private static io.vertx.core.Future<Void> forgetMigration(Cql cql) {
    return cql.run("test.forget-migration", "DELETE FROM catalog_progress WHERE name = 'listing-tables-v2'")
        .compose(v -> cql.run("test.forget-lease", "DELETE FROM catalog_leases WHERE name = 'listing-tables-v2'"));
  }
}
