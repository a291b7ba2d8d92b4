package store.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static store.catalog.CatalogApi.ADMIN;
import static store.catalog.CatalogApi.USER;
import static store.catalog.CatalogApi.names;
import static store.catalog.CatalogApi.prices;
import static store.catalog.CatalogApi.product;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.testing.TestStore;

/**
 * Filtering, sorting and paging of the listing routes, on a category of seven products with known prices whose
 * name order and price order differ.
 */
@ExtendWith(VertxExtension.class)
class CatalogListingTest {
  private static final String CATEGORY = CatalogApi.newCategory("listing");
  /** name → price; names sort a..g, prices sort b, e, d, g, a, f, c. */
  private static final List<Object[]> PRODUCTS = List.of(
      new Object[] {"alpha", 5.0},
      new Object[] {"bravo", 1.5},
      new Object[] {"charlie", 7.25},
      new Object[] {"delta", 3.0},
      new Object[] {"echo", 2.0},
      new Object[] {"foxtrot", 6.0},
      new Object[] {"golf", 4.0});
  private static final List<String> BY_NAME = List.of("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf");
  private static final List<String> BY_PRICE = List.of("bravo", "echo", "delta", "golf", "alpha", "foxtrot", "charlie");

  private static String base;

  @BeforeAll
  static void store() throws Exception {
    base = TestStore.start();
    Vertx vertx = Vertx.vertx();
    try {
      new CatalogApi(vertx, base).createAll(PRODUCTS.stream()
              .map(p -> product((String) p[0], CATEGORY, p[1], 10)).toList())
          .toCompletionStage().toCompletableFuture().get();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  private static String list(String query) {
    return "/api/products/?category=" + CATEGORY + query;
  }

  private static void assertPage(JsonObject page, int items, int total, int pageNo, int pages, boolean next,
      boolean prev) {
    assertThat(page.getJsonArray("items")).as("items of %s", page).hasSize(items);
    assertThat(page.getInteger("total")).as("total of %s", page).isEqualTo(total);
    assertThat(page.getInteger("page")).as("page of %s", page).isEqualTo(pageNo);
    assertThat(page.getInteger("pages")).as("pages of %s", page).isEqualTo(pages);
    assertThat(page.getBoolean("has_next")).as("has_next of %s", page).isEqualTo(next);
    assertThat(page.getBoolean("has_prev")).as("has_prev of %s", page).isEqualTo(prev);
  }

  @Test
  void pagesAndBoundaries(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String sorted = "&sort_by=name&sort_order=asc";
    Future.all(List.of(
        api.page(list(sorted + "&skip=0&limit=3"), USER).map(p -> {
          assertPage(p, 3, 7, 1, 3, true, false);
          assertThat(names(p)).containsExactly("alpha", "bravo", "charlie");
          return p;
        }),
        api.page(list(sorted + "&skip=3&limit=3"), USER).map(p -> {
          assertPage(p, 3, 7, 2, 3, true, true);
          assertThat(names(p)).containsExactly("delta", "echo", "foxtrot");
          return p;
        }),
        api.page(list(sorted + "&skip=6&limit=3"), USER).map(p -> {
          assertPage(p, 1, 7, 3, 3, false, true);
          assertThat(names(p)).containsExactly("golf");
          return p;
        }),
        api.page(list(sorted + "&skip=10&limit=3"), USER).map(p -> {
          assertPage(p, 0, 7, 4, 3, false, true);
          return p;
        }),
        api.page(list(sorted + "&skip=2147483600&limit=100"), USER).map(p -> {
          // near the top of int: skip + limit must not overflow into "there is a next page"
          assertPage(p, 0, 7, 21474837, 1, false, true);
          return p;
        }),
        api.page(list(sorted + "&skip=0&limit=7"), USER).map(p -> {
          assertPage(p, 7, 7, 1, 1, false, false);
          return p;
        }),
        api.page(list(""), USER).map(p -> {
          // defaults: skip 0, limit 100
          assertPage(p, 7, 7, 1, 1, false, false);
          JsonObject item = p.getJsonArray("items").getJsonObject(0);
          assertThat(item.fieldNames()).containsExactlyInAnyOrder("product_id", "name", "category", "price");
          assertThat(item.getString("category")).isEqualTo(CATEGORY);
          return p;
        })
    )).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void sorting(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    Future.all(List.of(
        api.page(list("&sort_by=price&sort_order=asc"), USER).map(p -> {
          assertThat(names(p)).containsExactlyElementsOf(BY_PRICE);
          assertThat(prices(p)).containsExactly(1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.25);
          return p;
        }),
        api.page(list("&sort_by=price&sort_order=desc"), USER).map(p -> {
          assertThat(prices(p)).containsExactly(7.25, 6.0, 5.0, 4.0, 3.0, 2.0, 1.5);
          return p;
        }),
        api.page(list("&sort_by=name&sort_order=asc"), USER).map(p -> {
          assertThat(names(p)).containsExactlyElementsOf(BY_NAME);
          return p;
        }),
        api.page(list("&sort_by=name&sort_order=desc"), USER).map(p -> {
          assertThat(names(p)).containsExactlyElementsOf(reversed(BY_NAME));
          return p;
        }),
        api.page(list("&sort_by=price&sort_order=desc&skip=2&limit=2"), USER).map(p -> {
          // sorting happens before paging
          assertPage(p, 2, 7, 2, 4, true, true);
          assertThat(prices(p)).containsExactly(5.0, 4.0);
          return p;
        })
    )).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void priceFilters(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    Future.all(List.of(
        api.page(list("&min_price=3&sort_by=price"), USER).map(p -> {
          assertThat(p.getInteger("total")).as("bounds are inclusive").isEqualTo(5);
          assertThat(prices(p)).containsExactly(3.0, 4.0, 5.0, 6.0, 7.25);
          return p;
        }),
        api.page(list("&max_price=3&sort_by=price"), USER).map(p -> {
          assertThat(p.getInteger("total")).isEqualTo(3);
          assertThat(prices(p)).containsExactly(1.5, 2.0, 3.0);
          return p;
        }),
        api.page(list("&min_price=2.5&max_price=6.5&sort_by=price&limit=2"), USER).map(p -> {
          // the filter changes total and pages, not just the items
          assertPage(p, 2, 4, 1, 2, true, false);
          assertThat(prices(p)).containsExactly(3.0, 4.0);
          return p;
        }),
        api.page(list("&min_price=2.5&max_price=6.5&sort_by=price&sort_order=desc&skip=1&limit=2"), USER).map(p -> {
          // filter, then order, then page: [6, 5, 4, 3] → skip 1 → [5, 4]
          assertPage(p, 2, 4, 1, 2, true, true);
          assertThat(prices(p)).containsExactly(5.0, 4.0);
          return p;
        }),
        api.page(list("&max_price=3&sort_by=name&sort_order=desc"), USER).map(p -> {
          assertThat(names(p)).containsExactly("echo", "delta", "bravo");
          return p;
        }),
        api.page(list("&min_price=4&max_price=4"), USER).map(p -> {
          assertThat(names(p)).containsExactly("golf");
          return p;
        }),
        api.page(list("&min_price=100"), USER).map(p -> {
          assertPage(p, 0, 0, 1, 0, false, false);
          return p;
        })
    )).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void byCategoryRouteAnswersTheSame(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    List<String> queries = List.of("?skip=0&limit=3&sort_by=price&sort_order=desc",
        "?skip=3&limit=3&sort_by=name", "?min_price=2&max_price=5&sort_by=price", "?skip=50&limit=10", "");
    Future.all(queries.stream().map(q -> Future.all(
            api.page("/api/products/by-category/" + CATEGORY + q, USER),
            api.page(list(q.isEmpty() ? "" : "&" + q.substring(1)), USER))
        .map(both -> {
          JsonObject byPath = both.resultAt(0);
          JsonObject byQuery = both.resultAt(1);
          assertThat(byPath).as("by-category%s", q).isEqualTo(byQuery);
          return null;
        })).toList()).compose(v -> api.page("/api/products/by-category/" + CATEGORY + "?limit=3", USER).map(p -> {
          assertPage(p, 3, 7, 1, 3, true, false);
          return p;
        })).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void categoriesListCountsTheCategory(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    api.categories(USER).map(list -> {
      List<JsonObject> mine = entries(list).stream().filter(c -> CATEGORY.equals(c.getString("name"))).toList();
      assertThat(mine).as("one entry for %s in %s", CATEGORY, list).hasSize(1);
      assertThat(mine.get(0).getInteger("product_count")).isEqualTo(7);
      assertThat(mine.get(0).fieldNames()).containsExactlyInAnyOrder("name", "product_count");
      Set<String> names = entries(list).stream().map(c -> c.getString("name")).collect(Collectors.toSet());
      assertThat(names).as("names are distinct").hasSize(list.size());
      return list;
    }).compose(v -> api.page("/api/products/?limit=100", ADMIN)).map(all -> {
      // an admin's listing of everything includes this category's products
      assertThat(all.getInteger("total")).isGreaterThanOrEqualTo(7);
      return all;
    }).onComplete(ctx.succeedingThenComplete());
  }

  private static List<String> reversed(List<String> list) {
    List<String> copy = new java.util.ArrayList<>(list);
    java.util.Collections.reverse(copy);
    return copy;
  }

  private static List<JsonObject> entries(JsonArray array) {
    return array.stream().map(o -> (JsonObject) o).toList();
  }
}
