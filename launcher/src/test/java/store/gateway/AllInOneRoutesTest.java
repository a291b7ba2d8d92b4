package store.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import store.testing.StoreApi;
import store.testing.StoreApi.Response;
import store.testing.TestStore;

/** What the one port of all-in-one mode serves besides the services: docs of the API, health, metrics, 404s. */
@ExtendWith(VertxExtension.class)
class AllInOneRoutesTest {
  private static String baseUrl;

  @BeforeAll
  static void store() throws Exception {
    baseUrl = TestStore.start();
  }

  private static StoreApi root(Vertx vertx) {
    return StoreApi.root(vertx, baseUrl);
  }

  @Test
  void theDocsSiteIsServedOnceBuilt(Vertx vertx) throws Exception {
    StoreApi api = root(vertx);
    java.nio.file.Path site = java.nio.file.Path.of("target", "test-docs-site");
    java.nio.file.Files.createDirectories(site.resolve("security"));
    java.nio.file.Files.deleteIfExists(site.resolve("index.html"));
    Response missing = api.get("root", "/docs/", null);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().getString("detail")).contains("mkdocs build");
    java.nio.file.Files.writeString(site.resolve("index.html"), "<h1>Product Store docs</h1>");
    java.nio.file.Files.writeString(site.resolve("security/index.html"), "<h1>Security</h1>");
    assertThat(api.get("root", "/docs/", null).body().toString()).contains("Product Store docs");
    assertThat(api.get("root", "/docs/security/", null).body().toString()).contains("Security");
    assertThat(api.get("root", "/docs/../pom.xml", null).status()).isEqualTo(404);
  }

  @Test
  void swaggerUiListsEveryServiceContract(Vertx vertx) {
    StoreApi api = root(vertx);
    Response page = api.get("root", "/swagger/", null); // the documented URL, not only index.html
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body().toString()).contains("swagger-ui");
    String initializer = api.get("root", "/swagger/swagger-initializer.js", null).body().toString();
    assertThat(initializer).contains("/api/openapi.yaml", "/cart-api/openapi.yaml", "/order-api/openapi.yaml",
        "/user-api/openapi.yaml");
    // "Authorize" logs in with the password flow at the gateway's token URL, and /token shows its form body
    String users = api.get("root", "/user-api/openapi.yaml", null).body().toString();
    assertThat(users).contains("tokenUrl: /user-api/token").contains("application/x-www-form-urlencoded")
        .doesNotContain("x-served-request-body");
    assertThat(api.get("root", "/api/openapi.yaml", null).body().toString()).contains("tokenUrl: /user-api/token");
  }

  @ParameterizedTest
  @CsvSource({"/api,catalog", "/cart-api,cart", "/order-api,orders", "/user-api,users"})
  void eachServiceServesItsContractWithTheGatewayPrefixAsServer(String prefix, String title, Vertx vertx) {
    Response contract = root(vertx).get("root", prefix + "/openapi.yaml", null);
    assertThat(contract.status()).isEqualTo(200);
    assertThat(contract.body().toString()).contains("openapi: 3.1.0", "- url: " + prefix, title);
  }

  @Test
  void healthAndMetricsAnswer(Vertx vertx) {
    StoreApi api = root(vertx);
    assertThat(api.get("root", "/health/live", null).status()).isEqualTo(200);
    Response ready = api.get("root", "/health/ready", null);
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().getString("status")).isEqualTo("UP");
    assertThat(api.get("root", "/api/system/health", null).json().getString("status")).isEqualTo("healthy");
    String metrics = api.get("root", "/metrics", null).body().toString();
    assertThat(metrics).contains("products_count", "cassandra_query_duration_seconds_bucket", "vertx_http_server");
  }

  /** The gateway gzips what reaches clients: a process does not, by default, even when asked (http.compression). */
  @Test
  void answersAreNotCompressedByTheProcess() throws Exception {
    java.net.http.HttpResponse<byte[]> contract = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl + "/api/openapi.yaml"))
            .header("Accept-Encoding", "gzip").build(),
        java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    assertThat(contract.statusCode()).isEqualTo(200);
    assertThat(contract.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(new String(contract.body(), java.nio.charset.StandardCharsets.UTF_8)).contains("openapi: 3.1.0");
  }

  @Test
  void unknownRoutesAreProblems(Vertx vertx) {
    Response missing = root(vertx).get("root", "/no/such/thing", null);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.contentType()).startsWith("application/problem+json");
    assertThat(missing.json().getString("detail")).contains("/no/such/thing");
  }

  @ParameterizedTest
  @CsvSource({"catalog,/products?category=Books", "cart,/cart", "order,/orders", "cart,/carts",
      "order,/orders/statuses/list/"})
  void seedRoutesAnswerWithAndWithoutTheTrailingSlash(String service, String path, Vertx vertx) {
    StoreApi api = StoreApi.allInOne(vertx, baseUrl);
    String admin = TestStore.token("swagger_admin", true);
    Response response = api.get(service, path, admin);
    assertThat(response.status()).as(path + " → " + response).isEqualTo(200);
  }
}
