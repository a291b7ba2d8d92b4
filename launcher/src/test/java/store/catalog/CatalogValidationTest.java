package store.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static store.catalog.CatalogApi.ADMIN;
import static store.catalog.CatalogApi.USER;
import static store.catalog.CatalogApi.assertInvalid;
import static store.catalog.CatalogApi.assertProblem;
import static store.catalog.CatalogApi.product;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.testing.TestStore;

/**
 * Bad input on every catalog route gets a 4xx {@code application/problem+json} answer with a {@code detail} and, for
 * validation, {@code errors[].field} naming the culprit, and writes nothing.
 */
@ExtendWith(VertxExtension.class)
class CatalogValidationTest {
  private static final int THREE_MIB = 3 * 1024 * 1024;
  private static String base;
  private static String category;
  private static JsonObject existing;

  @BeforeAll
  static void store() throws Exception {
    base = TestStore.start();
    category = CatalogApi.newCategory("validation");
    Vertx vertx = Vertx.vertx();
    try {
      existing = new CatalogApi(vertx, base).create(product("Original", category, 10.0, 5)
              .put("description", "untouched").put("manufacturer", "Acme"))
          .toCompletionStage().toCompletableFuture().get();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  /** One bad request: what it is, how to send it, the status it must get, and the field it must name (or null). */
  private record Case(String what, Supplier<Future<HttpResponse<Buffer>>> send, int status, String field) {
    Future<Void> check() {
      return send.get().map(r -> {
        if (field != null) {
          assertInvalid(r, field, what);
        } else {
          assertProblem(r, status, what);
        }
        return null;
      });
    }
  }

  /** Runs every case; fails with all the cases that failed, not just the first. */
  private static Future<Void> checkAll(List<Case> cases) {
    List<Future<Void>> checks = new ArrayList<>();
    for (Case c : cases) {
      checks.add(c.check());
    }
    return Future.join(checks).transform(ar -> {
      List<String> failed = checks.stream().filter(Future::failed).map(f -> f.cause().getMessage()).toList();
      return failed.isEmpty() ? Future.succeededFuture()
          : Future.failedFuture(new AssertionError(failed.size() + " of " + cases.size() + " cases failed:\n"
              + String.join("\n", failed)));
    });
  }

  private static JsonObject valid() {
    return product("New thing", category, 9.99, 3);
  }

  private static JsonObject without(String field) {
    JsonObject body = valid();
    body.remove(field);
    return body;
  }

  private static String huge() {
    return "x".repeat(THREE_MIB);
  }

  @Test
  void badCreatesAreRejectedAndWriteNothing(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String path = "/api/products/";
    Buffer hugeBody = valid().put("description", huge()).toBuffer();
    List<Case> cases = List.of(
        new Case("price \"abc\"", () -> api.post(path, ADMIN, valid().put("price", "abc")), 400, "price"),
        new Case("price \"10\" as a string", () -> api.post(path, ADMIN, valid().put("price", "10")), 400, "price"),
        new Case("price 0", () -> api.post(path, ADMIN, valid().put("price", 0)), 400, "price"),
        new Case("price -5", () -> api.post(path, ADMIN, valid().put("price", -5)), 400, "price"),
        new Case("price null", () -> api.post(path, ADMIN, valid().putNull("price")), 400, "price"),
        new Case("stock_count 1.5", () -> api.post(path, ADMIN, valid().put("stock_count", 1.5)), 400, "stock_count"),
        new Case("stock_count -1", () -> api.post(path, ADMIN, valid().put("stock_count", -1)), 400, "stock_count"),
        new Case("stock_count \"5\"", () -> api.post(path, ADMIN, valid().put("stock_count", "5")), 400, "stock_count"),
        new Case("missing name", () -> api.post(path, ADMIN, without("name")), 400, "name"),
        new Case("missing category", () -> api.post(path, ADMIN, without("category")), 400, "category"),
        new Case("missing price", () -> api.post(path, ADMIN, without("price")), 400, "price"),
        new Case("missing stock_count", () -> api.post(path, ADMIN, without("stock_count")), 400, "stock_count"),
        new Case("empty name", () -> api.post(path, ADMIN, valid().put("name", "")), 400, "name"),
        new Case("blank name", () -> api.post(path, ADMIN, valid().put("name", "   ")), 400, "name"),
        new Case("name too long", () -> api.post(path, ADMIN, valid().put("name", "n".repeat(201))), 400, "name"),
        new Case("name a number", () -> api.post(path, ADMIN, valid().put("name", 42)), 400, "name"),
        new Case("malformed JSON", () -> api.send(HttpMethod.POST, path, ADMIN,
            Buffer.buffer("{\"name\": \"x\", \"category\": \"" + category + "\", \"price\": "), "application/json"),
            400, null),
        new Case("JSON array body", () -> api.send(HttpMethod.POST, path, ADMIN,
            Buffer.buffer("[" + valid().encode() + "]"), "application/json"), 400, null),
        new Case("empty body", () -> api.send(HttpMethod.POST, path, ADMIN, Buffer.buffer(), "application/json"),
            400, null),
        new Case("3 MiB body", () -> api.send(HttpMethod.POST, path, ADMIN, hugeBody, "application/json"), 413, null));
    checkAll(cases)
        .compose(v -> api.total(category))
        .map(total -> {
          assertThat(total).as("no bad POST wrote a product").isEqualTo(1);
          return null;
        }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void wrongContentTypeIsRejected(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    api.send(HttpMethod.POST, "/api/products/", ADMIN, valid().toBuffer(), "text/plain").map(r -> {
      assertThat(r.statusCode()).as(r.bodyAsString()).isIn(400, 415);
      assertProblem(r, r.statusCode(), "text/plain body");
      return null;
    }).compose(v -> api.total(category)).map(total -> {
      assertThat(total).isEqualTo(1);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void badUpdatesAreRejectedAndChangeNothing(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String id = existing.getString("product_id");
    String path = "/api/products/" + id;
    Buffer hugeBody = new JsonObject().put("description", huge()).toBuffer();
    List<Case> cases = List.of(
        new Case("PUT price \"abc\"", () -> api.put(path, ADMIN, new JsonObject().put("price", "abc")), 400, "price"),
        new Case("PUT price 0", () -> api.put(path, ADMIN, new JsonObject().put("price", 0)), 400, "price"),
        new Case("PUT price -1", () -> api.put(path, ADMIN, new JsonObject().put("price", -1)), 400, "price"),
        new Case("PUT stock_count -1", () -> api.put(path, ADMIN, new JsonObject().put("stock_count", -1)), 400,
            "stock_count"),
        new Case("PUT stock_count 1.5", () -> api.put(path, ADMIN, new JsonObject().put("stock_count", 1.5)), 400,
            "stock_count"),
        new Case("PUT empty name", () -> api.put(path, ADMIN, new JsonObject().put("name", "")), 400, "name"),
        new Case("PUT blank name", () -> api.put(path, ADMIN, new JsonObject().put("name", "  ")), 400, "name"),
        new Case("PUT blank category", () -> api.put(path, ADMIN, new JsonObject().put("category", " ")), 400,
            "category"),
        new Case("PUT null name", () -> api.put(path, ADMIN, new JsonObject().putNull("name")), 400, "name"),
        new Case("PUT valid price with bad stock", () -> api.put(path, ADMIN,
            new JsonObject().put("price", 1.0).put("stock_count", -3)), 400, "stock_count"),
        new Case("PUT {}", () -> api.put(path, ADMIN, new JsonObject()), 400, null),
        new Case("PUT malformed JSON", () -> api.send(HttpMethod.PUT, path, ADMIN, Buffer.buffer("{\"price\": 1"),
            "application/json"), 400, null),
        new Case("PUT 3 MiB body", () -> api.send(HttpMethod.PUT, path, ADMIN, hugeBody, "application/json"), 413,
            null),
        new Case("PUT invalid UUID", () -> api.put("/api/products/not-a-uuid", ADMIN,
            new JsonObject().put("price", 1.0)), 400, "product_id"));
    checkAll(cases)
        .compose(v -> Future.all(api.find(id), api.total(category)))
        .map(all -> {
          JsonObject after = all.resultAt(0);
          assertThat(after).as("the product is unchanged").isEqualTo(existing);
          assertThat((Integer) all.resultAt(1)).isEqualTo(1);
          return null;
        }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void badIdsAndQueriesAreRejected(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String list = "/api/products/?category=" + category;
    String byCategory = "/api/products/by-category/" + category;
    List<Case> cases = new ArrayList<>(List.of(
        new Case("GET invalid UUID", () -> api.get("/api/products/not-a-uuid", USER), 400, "product_id"),
        new Case("GET almost a UUID", () -> api.get("/api/products/" + existing.getString("product_id") + "0", USER),
            400, "product_id"),
        new Case("DELETE invalid UUID", () -> api.delete("/api/products/not-a-uuid", ADMIN), 400, "product_id"),
        new Case("empty category", () -> api.get("/api/products/?category=", USER), 400, "category"),
        new Case("category too long", () -> api.get("/api/products/?category=" + "c".repeat(101), USER), 400,
            "category"),
        new Case("by-category too long", () -> api.get("/api/products/by-category/" + "c".repeat(101), USER), 400,
            "category")));
    for (String route : List.of(list + "&", byCategory + "?")) {
      cases.addAll(List.of(
          new Case(route + "limit=0", () -> api.get(route + "limit=0", USER), 400, "limit"),
          new Case(route + "limit=101", () -> api.get(route + "limit=101", USER), 400, "limit"),
          new Case(route + "limit=abc", () -> api.get(route + "limit=abc", USER), 400, "limit"),
          new Case(route + "skip=-1", () -> api.get(route + "skip=-1", USER), 400, "skip"),
          new Case(route + "skip=3000000000", () -> api.get(route + "skip=3000000000", USER), 400, "skip"),
          new Case(route + "skip=1.5", () -> api.get(route + "skip=1.5", USER), 400, "skip"),
          new Case(route + "sort_by=rating", () -> api.get(route + "sort_by=rating", USER), 400, "sort_by"),
          new Case(route + "sort_order=up", () -> api.get(route + "sort_order=up", USER), 400, "sort_order"),
          new Case(route + "min_price=abc", () -> api.get(route + "min_price=abc", USER), 400, "min_price"),
          new Case(route + "max_price=-1", () -> api.get(route + "max_price=-1", USER), 400, "max_price"),
          new Case(route + "min_price=1e999", () -> api.get(route + "min_price=1e999", USER), 400, "min_price"),
          new Case(route + "min_price>max_price", () -> api.get(route + "min_price=5&max_price=2", USER), 400,
              "min_price")));
    }
    checkAll(cases)
        .compose(v -> Future.all(api.find(existing.getString("product_id")), api.total(category)))
        .map(all -> {
          assertThat((JsonObject) all.resultAt(0)).as("DELETE with a bad id removed nothing").isEqualTo(existing);
          assertThat((Integer) all.resultAt(1)).isEqualTo(1);
          return null;
        }).onComplete(ctx.succeedingThenComplete());
  }
}
