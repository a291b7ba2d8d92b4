package store.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static store.catalog.CatalogApi.ADMIN;
import static store.catalog.CatalogApi.USER;
import static store.catalog.CatalogApi.assertProblem;
import static store.catalog.CatalogApi.product;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.testing.TestStore;

/** Create → read → partial update → read → delete → 404, through the public routes of the real store. */
@ExtendWith(VertxExtension.class)
class CatalogCrudTest {
  private static String base;

  @BeforeAll
  static void store() throws Exception {
    base = TestStore.start();
  }

  @Test
  void roundTrip(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String category = CatalogApi.newCategory("crud");
    JsonObject body = product("French Press 1L", category, 27.5, 40)
        .put("description", "Glass and steel").put("manufacturer", "Brewline");

    api.post("/api/products/", ADMIN, body).compose(created -> {
      assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
      JsonObject p = created.bodyAsJsonObject();
      String id = p.getString("product_id");
      assertThat(UUID.fromString(id)).isNotNull();
      assertThat(p.getString("name")).isEqualTo("French Press 1L");
      assertThat(p.getString("category")).isEqualTo(category);
      assertThat(p.getDouble("price")).isEqualTo(27.5);
      assertThat(p.getInteger("stock_count")).isEqualTo(40);
      assertThat(p.getString("description")).isEqualTo("Glass and steel");
      assertThat(p.getString("manufacturer")).isEqualTo("Brewline");
      return Future.succeededFuture(id);
    }).compose(id -> api.get("/api/products/" + id, USER).map(r -> {
      // a regular user may read a product; the detail shape is the seed's
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
      JsonObject p = r.bodyAsJsonObject();
      assertThat(p.fieldNames()).contains("product_id", "name", "category", "price", "stock_count", "description",
          "manufacturer");
      assertThat(p.getString("product_id")).isEqualTo(id);
      assertThat(p.getDouble("price")).isEqualTo(27.5);
      assertThat(p.getInteger("stock_count")).isEqualTo(40);
      return id;
    })).compose(id -> api.put("/api/products/" + id, ADMIN, new JsonObject().put("price", 24.99).put("stock_count", 7))
        .map(r -> {
          assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
          JsonObject p = r.bodyAsJsonObject();
          assertThat(p.getDouble("price")).isEqualTo(24.99);
          assertThat(p.getInteger("stock_count")).isEqualTo(7);
          assertThat(p.getString("name")).as("fields not sent are kept").isEqualTo("French Press 1L");
          assertThat(p.getString("manufacturer")).isEqualTo("Brewline");
          return id;
        })).compose(id -> api.get("/api/products/" + id, USER).map(r -> {
          assertThat(r.statusCode()).isEqualTo(200);
          JsonObject p = r.bodyAsJsonObject();
          assertThat(p.getDouble("price")).isEqualTo(24.99);
          assertThat(p.getInteger("stock_count")).isEqualTo(7);
          assertThat(p.getString("name")).isEqualTo("French Press 1L");
          assertThat(p.getString("description")).isEqualTo("Glass and steel");
          return id;
        })).compose(id -> api.page("/api/products/?category=" + category, USER).map(page -> {
          // the listing shows the new price too (writes invalidate the listing cache)
          assertThat(page.getInteger("total")).isEqualTo(1);
          assertThat(page.getJsonArray("items").getJsonObject(0).getDouble("price")).isEqualTo(24.99);
          return id;
        })).compose(id -> api.delete("/api/products/" + id, ADMIN).map(r -> {
          assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(204);
          assertThat(r.body() == null || r.body().length() == 0).as("204 has no body").isTrue();
          return id;
        })).compose(id -> api.get("/api/products/" + id, USER).map(r -> {
          assertProblem(r, 404, "GET after DELETE");
          return id;
        })).compose(id -> api.delete("/api/products/" + id, ADMIN).map(r -> {
          assertProblem(r, 404, "second DELETE");
          return id;
        })).compose(id -> api.put("/api/products/" + id, ADMIN, new JsonObject().put("price", 1)).map(r -> {
          assertProblem(r, 404, "PUT after DELETE");
          return id;
        })).compose(id -> api.total(category).map(total -> {
          assertThat(total).as("the listing forgot the deleted product").isZero();
          return id;
        })).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void unknownProductIs404(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    api.get("/api/products/" + UUID.randomUUID(), USER)
        .map(r -> assertProblem(r, 404, "GET unknown product"))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void updateMovesProductBetweenCategories(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String from = CatalogApi.newCategory("move-from");
    String to = CatalogApi.newCategory("move-to");
    api.create(product("Desk Lamp", from, 34.5, 3)).compose(p -> {
      String id = p.getString("product_id");
      return api.put("/api/products/" + id, ADMIN, new JsonObject().put("category", to).put("name", "Desk Lamp XL"))
          .map(r -> {
            assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
            assertThat(r.bodyAsJsonObject().getString("category")).isEqualTo(to);
            return id;
          });
    }).compose(id -> Future.all(api.total(from), api.page("/api/products/by-category/" + to, USER), api.find(id))
        .map(all -> {
          assertThat((Integer) all.resultAt(0)).as("old category listing").isZero();
          JsonObject page = all.resultAt(1);
          assertThat(page.getInteger("total")).as("new category listing").isEqualTo(1);
          assertThat(CatalogApi.names(page)).containsExactly("Desk Lamp XL");
          JsonObject p = all.resultAt(2);
          assertThat(p.getString("category")).isEqualTo(to);
          assertThat(p.getDouble("price")).isEqualTo(34.5);
          assertThat(p.getInteger("stock_count")).isEqualTo(3);
          return null;
        })).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void renameAndRepriceLeaveOneRowInEverySortOrder(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String category = CatalogApi.newCategory("rename");
    List<String> orders = List.of("?sort_by=name", "?sort_by=price", "?sort_by=name&sort_order=desc",
        "?sort_by=price&sort_order=desc");
    api.create(product("Kettle", category, 20, 5)).compose(p -> {
      String id = p.getString("product_id");
      return api.put("/api/products/" + id, ADMIN, new JsonObject().put("name", "kettle PRO").put("price", 35.5))
          .map(r -> {
            assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
            return id;
          });
    }).compose(id -> Future.all(orders.stream().map(o -> api.page("/api/products/by-category/" + category + o, USER)
        .map(page -> {
          // each listing table keys its rows by what it sorts by: the old name's and old price's rows are gone
          assertThat(CatalogApi.names(page)).as(o).containsExactly("kettle PRO");
          assertThat(CatalogApi.prices(page)).as(o).containsExactly(35.5);
          return page;
        })).toList()).compose(v -> api.page("/api/products/?limit=100&min_price=35.5&max_price=35.5", ADMIN))
        .map(all -> {
          assertThat(all.getJsonArray("items").stream().map(o -> ((JsonObject) o).getString("product_id"))
              .filter(id::equals).count()).as("the admin's listing of everything").isEqualTo(1);
          return id;
        }))
        .compose(id -> api.delete("/api/products/" + id, ADMIN))
        .compose(r -> Future.all(orders.stream().map(o -> api.page("/api/products/by-category/" + category + o,
            USER).map(page -> {
              assertThat(page.getJsonArray("items")).as(o).isEmpty();
              return page;
            })).toList()))
        .compose(v -> api.categories(USER)).map(list -> {
          assertThat(list.stream().map(o -> ((JsonObject) o).getString("name"))).as("an emptied category is not listed")
              .doesNotContain(category);
          return list;
        }).onComplete(ctx.succeedingThenComplete());
  }
}
