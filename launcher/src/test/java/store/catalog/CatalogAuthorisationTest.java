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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.testing.TestStore;

/** Who may do what: regular users browse by category and never write; admins list everything and write. */
@ExtendWith(VertxExtension.class)
class CatalogAuthorisationTest {
  private static String base;

  @BeforeAll
  static void store() throws Exception {
    base = TestStore.start();
  }

  @Test
  void regularUserMustGiveACategory(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String category = CatalogApi.newCategory("authz-list");
    api.create(product("Toaster", category, 19.0, 3)).compose(p -> Future.all(List.of(
        api.get("/api/products/", USER).map(r -> assertProblem(r, 403, "user lists everything")),
        api.get("/api/products", USER).map(r -> assertProblem(r, 403, "user lists everything, no slash")),
        api.get("/api/products/?limit=5&sort_by=price", USER).map(r -> assertProblem(r, 403, "user, no category")),
        api.page("/api/products/?category=" + category, USER).map(page -> {
          assertThat(page.getInteger("total")).as("with a category the user may list").isEqualTo(1);
          return page;
        }),
        api.page("/api/products/", ADMIN).map(page -> {
          assertThat(page.getInteger("total")).as("an admin may list everything").isGreaterThanOrEqualTo(1);
          assertThat(page.getJsonArray("items")).isNotEmpty();
          return page;
        }),
        api.categories(USER)))).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void regularUserCannotWrite(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String category = CatalogApi.newCategory("authz-write");
    api.create(product("Kettle", category, 31.0, 5)).compose(existing -> {
      String id = existing.getString("product_id");
      return api.post("/api/products/", USER, product("Sneaky", category, 1.0, 1))
          .map(r -> assertProblem(r, 403, "user POST"))
          .compose(v -> api.put("/api/products/" + id, USER, new JsonObject().put("price", 0.01).put("stock_count", 0)))
          .map(r -> assertProblem(r, 403, "user PUT"))
          .compose(v -> api.delete("/api/products/" + id, USER))
          .map(r -> assertProblem(r, 403, "user DELETE"))
          .compose(v -> Future.all(api.find(id), api.page("/api/products/?category=" + category, ADMIN)))
          .map(all -> {
            JsonObject after = all.resultAt(0);
            assertThat(after).as("DELETE by a user removed nothing").isNotNull();
            assertThat(after.getDouble("price")).as("PUT by a user changed nothing").isEqualTo(31.0);
            assertThat(after.getInteger("stock_count")).isEqualTo(5);
            JsonObject page = all.resultAt(1);
            assertThat(page.getInteger("total")).as("POST by a user created nothing").isEqualTo(1);
            assertThat(CatalogApi.names(page)).containsExactly("Kettle");
            return null;
          })
          // the same writes as an admin succeed, so the 403s above were about the role
          .compose(v -> api.put("/api/products/" + id, ADMIN, new JsonObject().put("price", 29.0)))
          .map(r -> {
            assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
            return null;
          })
          .compose(v -> api.delete("/api/products/" + id, ADMIN))
          .map(r -> {
            assertThat(r.statusCode()).isEqualTo(204);
            return null;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }
}
