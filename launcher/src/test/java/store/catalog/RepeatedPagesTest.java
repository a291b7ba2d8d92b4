package store.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.testing.StoreApi;
import store.testing.StoreApi.Response;
import store.testing.TestStore;

/**
 * A page the router answered is answered again, for the same URI, without routing (store.platform.RepeatedGets):
 * with the router's status, headers and body, counted by the same meters, and only for a caller the router would
 * admit to that page. Anything it cannot answer as the router would goes through the router.
 */
@ExtendWith(VertxExtension.class)
class RepeatedPagesTest {
  private static final String REPEATED = "http_server_repeated_gets_total";
  private static final int REPEATS = 3;

  @Test
  void aRepeatedPageIsAnsweredWithoutRoutingAsTheRouterAnswersIt(Vertx vertx) throws Exception {
    StoreApi api = StoreApi.allInOne(vertx, TestStore.start());
    StoreApi root = StoreApi.root(vertx, TestStore.start());
    String category = newCategory(api, "repeat");
    String shopper = TestStore.token("repeat-" + UUID.randomUUID().toString().substring(0, 8), false);
    String page = "/products/by-category/" + category + "?limit=2";
    String series = "vertx_http_server_requests_total{code=\"200\",method=\"GET\","
        + "route=\"/api/>/products/by-category/:category\"}";
    double repeatedBefore = root.metricSum("root", REPEATED);
    double countedBefore = root.metricSum("root", series);

    Response routed = api.get("catalog", page, shopper);
    assertThat(routed.status()).as(routed.toString()).isEqualTo(200);
    // three repeats: the account read by the first request is trusted for a second, a slow machine may need two
    for (int i = 0; i < REPEATS; i++) {
      Response repeated = api.get("catalog", page, shopper);
      assertThat(repeated.status()).isEqualTo(200);
      assertThat(repeated.body()).isEqualTo(routed.body());
      assertThat(repeated.headers().names()).containsExactlyInAnyOrderElementsOf(routed.headers().names());
      assertThat(repeated.contentType()).isEqualTo(routed.contentType()).isEqualTo("application/json");
      assertThat(repeated.headers().get("X-Request-ID")).isNotBlank()
          .isNotEqualTo(routed.headers().get("X-Request-ID"));
    }

    assertThat(root.metricSum("root", REPEATED) - repeatedBefore).as("answered without routing")
        .isBetween(1.0, (double) REPEATS);
    assertThat(root.metricSum("root", series) - countedBefore).as("all counted under the route")
        .isEqualTo(REPEATS + 1.0);
  }

  @Test
  void aRepeatShowsAnAdminsChangeAtOnce(Vertx vertx) throws Exception {
    StoreApi api = StoreApi.allInOne(vertx, TestStore.start());
    String admin = TestStore.token("repeat-admin", true);
    String category = "repeat-change-" + UUID.randomUUID();
    String id = api.createProduct(admin, category, "Repeated", 10.0, 5);
    String shopper = TestStore.token("repeat-change", false);
    String page = "/products/?category=" + category;
    assertThat(api.get("catalog", page, shopper).body().toString()).contains("10.0");
    assertThat(api.get("catalog", page, shopper).body().toString()).contains("10.0");

    assertThat(api.put("catalog", "/products/" + id, admin, new io.vertx.core.json.JsonObject().put("price", 12.5))
        .status()).isEqualTo(200);

    assertThat(api.get("catalog", page, shopper).body().toString()).contains("12.5").doesNotContain("10.0");
  }

  @Test
  void theCategoryListIsRepeatedAndShowsANewCategoryAtOnce(Vertx vertx) throws Exception {
    StoreApi api = StoreApi.allInOne(vertx, TestStore.start());
    StoreApi root = StoreApi.root(vertx, TestStore.start());
    String shopper = TestStore.token("repeat-categories", false);
    Response routed = api.get("catalog", "/products/categories/list", shopper);
    double repeatedBefore = root.metricSum("root", REPEATED);

    for (int i = 0; i < REPEATS; i++) {
      Response repeated = api.get("catalog", "/products/categories/list", shopper);
      assertThat(repeated.status()).isEqualTo(200);
      assertThat(repeated.contentType()).isEqualTo(routed.contentType()).isEqualTo("application/json");
      assertThat(repeated.body()).isEqualTo(routed.body());
    }

    assertThat(root.metricSum("root", REPEATED) - repeatedBefore).as("answered without routing")
        .isBetween(1.0, (double) REPEATS);
    String category = newCategory(api, "repeat-new");
    assertThat(api.get("catalog", "/products/categories/list", shopper).array().stream()
        .map(c -> ((io.vertx.core.json.JsonObject) c).getString("name"))).contains(category);
  }

  @Test
  void aRevokedTokenGetsNoRepeat(Vertx vertx) throws Exception {
    StoreApi api = StoreApi.allInOne(vertx, TestStore.start());
    String category = newCategory(api, "repeat-revoked");
    String username = "repeat-rev-" + UUID.randomUUID().toString().substring(0, 8);
    String token = TestStore.token(username, false);
    String page = "/products/?category=" + category;
    assertThat(api.get("catalog", page, token).status()).isEqualTo(200);
    assertThat(api.get("catalog", page, token).status()).isEqualTo(200);

    TestStore.token(username, true); // a role change revokes the account's tokens

    // the store may trust what it read of the account for a second (security.account-cache-ms), as for any route
    Response refused = StoreApi.eventually(Duration.ofSeconds(5), () -> api.get("catalog", page, token),
        r -> r.status() != 200);
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.contentType()).isEqualTo("application/problem+json");
    assertThat(refused.body().toString()).contains("revoked");
    // the account's new state is in memory now: the old token still gets no page
    assertThat(api.get("catalog", page, token).status()).isEqualTo(401);
  }

  @Test
  void aShopperGetsNoRepeatOfAnAdminsListing(Vertx vertx) throws Exception {
    StoreApi api = StoreApi.allInOne(vertx, TestStore.start());
    String admin = TestStore.token("repeat-admin", true);
    String shopper = TestStore.token("repeat-shopper", false);
    String everything = "/products/?limit=3&sort_by=price&skip=7";
    assertThat(api.get("catalog", everything, admin).status()).isEqualTo(200);
    assertThat(api.get("catalog", everything, admin).status()).isEqualTo(200);

    Response refused = api.get("catalog", everything, shopper);

    assertThat(refused.status()).isEqualTo(403);
    assertThat(api.get("catalog", everything, null).status()).isEqualTo(401);
  }

  @Test
  void aCrossOriginRepeatGetsTheRoutersCorsAnswer(Vertx vertx) throws Exception {
    StoreApi api = StoreApi.allInOne(vertx, TestStore.start());
    String category = newCategory(api, "repeat-cors");
    String shopper = TestStore.token("repeat-cors", false);
    String page = "/products/?category=" + category;
    assertThat(api.get("catalog", page, shopper).status()).isEqualTo(200);

    Response crossOrigin = api.send(HttpMethod.GET, "catalog", page, shopper, null,
        MultiMap.caseInsensitiveMultiMap().add("Origin", "http://localhost:3000"));

    assertThat(crossOrigin.status()).isEqualTo(200);
    assertThat(crossOrigin.headers().get("Access-Control-Allow-Origin")).isEqualTo("http://localhost:3000");
  }

  private static String newCategory(StoreApi api, String purpose) {
    String admin = TestStore.token("repeat-admin", true);
    String category = purpose + "-" + UUID.randomUUID();
    api.createProduct(admin, category, "First", 1.0, 5);
    api.createProduct(admin, category, "Second", 2.0, 5);
    return category;
  }
}
