package store.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import store.testing.TestStore;

/** A thin HTTP client for the catalog routes of the shared test store, plus the assertions the tests share. */
final class CatalogApi {
  static final String ADMIN = TestStore.bearer("catalog-test-admin", true);
  static final String USER = TestStore.bearer("catalog-test-user", false);
  static final String PROBLEM_JSON = "application/problem+json";

  private final WebClient client;
  private final String base;

  CatalogApi(Vertx vertx, String base) {
    this.client = WebClient.create(vertx, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(64));
    this.base = base;
  }

  static String newCategory(String purpose) {
    return purpose + "-" + UUID.randomUUID();
  }

  static JsonObject product(String name, String category, Object price, Object stock) {
    return new JsonObject().put("name", name).put("category", category).put("price", price).put("stock_count", stock);
  }

  // ---- raw requests ----

  Future<HttpResponse<Buffer>> send(HttpMethod method, String path, String authorization, Buffer body,
      String contentType) {
    HttpRequest<Buffer> request = client.requestAbs(method, base + path);
    if (authorization != null) {
      request.putHeader("Authorization", authorization);
    }
    if (body == null) {
      return request.send();
    }
    request.putHeader("Content-Type", contentType);
    return request.sendBuffer(body);
  }

  Future<HttpResponse<Buffer>> get(String path, String authorization) {
    return send(HttpMethod.GET, path, authorization, null, null);
  }

  Future<HttpResponse<Buffer>> post(String path, String authorization, JsonObject body) {
    return send(HttpMethod.POST, path, authorization, body.toBuffer(), "application/json");
  }

  Future<HttpResponse<Buffer>> put(String path, String authorization, JsonObject body) {
    return send(HttpMethod.PUT, path, authorization, body.toBuffer(), "application/json");
  }

  Future<HttpResponse<Buffer>> delete(String path, String authorization) {
    return send(HttpMethod.DELETE, path, authorization, null, null);
  }

  // ---- steps that must succeed ----

  /** Creates a product as admin; asserts 201 and returns the created product. */
  Future<JsonObject> create(JsonObject product) {
    return post("/api/products/", ADMIN, product).map(r -> {
      assertThat(r.statusCode()).as("POST %s → %s", product, r.bodyAsString()).isEqualTo(201);
      return r.bodyAsJsonObject();
    });
  }

  /** Creates the products one after the other; returns them in order. */
  Future<List<JsonObject>> createAll(List<JsonObject> products) {
    List<JsonObject> created = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (JsonObject p : products) {
      chain = chain.compose(v -> create(p).map(c -> {
        created.add(c);
        return null;
      }));
    }
    return chain.map(v -> created);
  }

  /** GET of a listing (path with its query string) that must answer 200; returns the page. */
  Future<JsonObject> page(String pathAndQuery, String authorization) {
    return get(pathAndQuery, authorization).map(r -> {
      assertThat(r.statusCode()).as("GET %s → %s", pathAndQuery, r.bodyAsString()).isEqualTo(200);
      assertThat(r.getHeader("Content-Type")).startsWith("application/json");
      return r.bodyAsJsonObject();
    });
  }

  /** The category's listing total as an admin sees it. */
  Future<Integer> total(String category) {
    return page("/api/products/?category=" + category + "&limit=100", ADMIN).map(p -> p.getInteger("total"));
  }

  /** The product as GET answers it (200), or null on 404. */
  Future<JsonObject> find(String productId) {
    return get("/api/products/" + productId, ADMIN).map(r -> {
      if (r.statusCode() == 404) {
        return null;
      }
      assertThat(r.statusCode()).as("GET product → %s", r.bodyAsString()).isEqualTo(200);
      return r.bodyAsJsonObject();
    });
  }

  Future<JsonArray> categories(String authorization) {
    return get("/api/products/categories/list", authorization).map(r -> {
      assertThat(r.statusCode()).as("categories → %s", r.bodyAsString()).isEqualTo(200);
      return r.bodyAsJsonArray();
    });
  }

  // ---- shared assertions ----

  /** Asserts an RFC 9457 answer with the status and a non-blank detail; returns its body. */
  static JsonObject assertProblem(HttpResponse<Buffer> r, int status, String what) {
    assertThat(r.statusCode()).as("%s: status (body %s)", what, r.bodyAsString()).isEqualTo(status);
    assertThat(r.getHeader("Content-Type")).as("%s: content type", what).startsWith(PROBLEM_JSON);
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getString("detail")).as("%s: detail", what).isNotBlank();
    assertThat(body.getString("type")).as("%s: type", what).isNotBlank();
    assertThat(body.getString("title")).as("%s: title", what).isNotBlank();
    assertThat(body.getInteger("status")).as("%s: status member", what).isEqualTo(status);
    return body;
  }

  /** Asserts a validation problem (400) naming the field in {@code errors[].field}. */
  static JsonObject assertInvalid(HttpResponse<Buffer> r, String field, String what) {
    JsonObject body = assertProblem(r, 400, what);
    JsonArray errors = body.getJsonArray("errors");
    assertThat(errors).as("%s: errors in %s", what, body).isNotNull();
    List<String> fields = errors.stream().map(e -> ((JsonObject) e).getString("field")).toList();
    assertThat(fields).as("%s: errors[].field in %s", what, body).contains(field);
    return body;
  }

  static List<String> names(JsonObject page) {
    return page.getJsonArray("items").stream().map(o -> ((JsonObject) o).getString("name")).toList();
  }

  static List<Double> prices(JsonObject page) {
    return page.getJsonArray("items").stream().map(o -> ((JsonObject) o).getDouble("price")).toList();
  }
}
