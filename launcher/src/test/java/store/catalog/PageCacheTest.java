package store.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.testing.StoreApi;
import store.testing.StoreApi.Response;
import store.testing.TestStore;

/**
 * The encoded pages the catalog keeps are bounded by their bytes, not by their number: any shopper can ask for
 * thousands of distinct pages (every skip, limit, sort and price range), each up to a hundred products long.
 */
@ExtendWith(VertxExtension.class)
class PageCacheTest {

  @Test
  void keptPagesWeighWhatTheyHoldAndStayUnderTheirBound(Vertx vertx) throws Exception {
    String baseUrl = TestStore.start();
    StoreApi api = StoreApi.allInOne(vertx, baseUrl);
    StoreApi root = StoreApi.root(vertx, baseUrl);
    String admin = TestStore.token("pages-admin", true);
    String category = "pages-" + UUID.randomUUID();
    for (int i = 0; i < 4; i++) {
      api.createProduct(admin, category, "Page filler " + i, 1.0 + i, 5);
    }
    String shopper = TestStore.token("pages-" + UUID.randomUUID().toString().substring(0, 8), false);
    long served = 0;
    for (int skip = 0; skip < 3; skip++) {
      for (int limit = 1; limit <= 3; limit++) {
        Response page = api.get("catalog", "/products/?category=" + category + "&skip=" + skip + "&limit=" + limit,
            shopper);
        assertThat(page.status()).as(page.toString()).isEqualTo(200);
        served += page.body().length();
      }
    }
    // nine pages within the cache's time to live (5 s); other tests' pages may be kept beside them
    assertThat(root.metricSum("root", "catalog_page_cache_bytes")).as("bytes kept")
        .isGreaterThanOrEqualTo(served).isLessThanOrEqualTo(CatalogService.PAGE_CACHE_BYTES);
  }
}
