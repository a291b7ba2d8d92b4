package store.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static store.catalog.CatalogApi.ADMIN;
import static store.catalog.CatalogApi.assertProblem;
import static store.catalog.CatalogApi.product;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.platform.Caller;
import store.testing.TestStore;

/**
 * Bad bearer tokens get a 401 problem on every catalog route, and never write. The tokens are built by hand (HS256
 * over base64url JSON), so the test does not trust the library the store uses; a hand-built valid token is the
 * control that shows the others fail for the reason named.
 */
@ExtendWith(VertxExtension.class)
class CatalogTokenTest {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static String base;
  private static String category;
  private static String productId;

  @BeforeAll
  static void store() throws Exception {
    base = TestStore.start();
    TestStore.token("token-tester", true);
    testerVersion = TestStore.auth().accounts().state("token-tester").toCompletionStage().toCompletableFuture().get()
        .version();
    category = CatalogApi.newCategory("tokens");
    Vertx vertx = Vertx.vertx();
    try {
      productId = new CatalogApi(vertx, base).create(product("Lamp", category, 12.0, 2))
          .toCompletionStage().toCompletableFuture().get().getString("product_id");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  static String jwt(JsonObject header, JsonObject claims, String secret) {
    String signingInput = B64.encodeToString(header.encode().getBytes(StandardCharsets.UTF_8)) + "."
        + B64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    if (secret == null) {
      return signingInput + ".";
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return signingInput + "." + B64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonObject hs256() {
    return new JsonObject().put("alg", "HS256").put("typ", "JWT");
  }

  /** The token version of the account "token-tester" (an admin), as the store has it. */
  private static int testerVersion;

  private static JsonObject claims(long expiresInSeconds) {
    long now = System.currentTimeMillis() / 1000;
    return new JsonObject().put("sub", "token-tester").put("is_admin", true).put("ver", testerVersion).put("iat", now)
        .put("exp", now + expiresInSeconds);
  }

  /** Authorization header values that must all be refused, by what is wrong with them. */
  private static Map<String, String> badHeaders() throws Exception {
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("missing Authorization header", null);
    bad.put("empty bearer", "Bearer ");
    bad.put("not a JWT", "Bearer not-a-jwt");
    bad.put("other scheme", "Basic " + Base64.getEncoder().encodeToString("swagger_admin:admin123".getBytes()));
    bad.put("expired", "Bearer " + jwt(hs256(), claims(-3600).put("iat", System.currentTimeMillis() / 1000 - 7200),
        TestStore.SECRET));
    bad.put("wrong key", "Bearer " + jwt(hs256(), claims(600), "not-the-" + TestStore.SECRET));
    bad.put("alg none", "Bearer " + jwt(new JsonObject().put("alg", "none").put("typ", "JWT"), claims(600), null));
    JsonObject noExp = claims(600);
    noExp.remove("exp");
    bad.put("no exp", "Bearer " + jwt(hs256(), noExp, TestStore.SECRET));
    bad.put("tampered claims", "Bearer " + tamper(jwt(hs256(), claims(600).put("is_admin", false), TestStore.SECRET)));
    // an internal credential is signed with the same key but must never open a public route
    bad.put("internal credential", "Bearer " + TestStore.auth()
        .issueInternalCredential("cart", "catalog", "get-product", new Caller("token-tester", true)));
    return bad;
  }

  /** Swaps the payload for one claiming admin, keeping the original signature. */
  private static String tamper(String token) {
    String[] parts = token.split("\\.");
    JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    claims.put("is_admin", true);
    return parts[0] + "." + B64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
  }

  @Test
  void handBuiltValidTokenIsAccepted(Vertx vertx, VertxTestContext ctx) {
    // the control: the same construction with the right key and a future exp works, also for an admin-only write
    CatalogApi api = new CatalogApi(vertx, base);
    String good = "Bearer " + jwt(hs256(), claims(600), TestStore.SECRET);
    api.page("/api/products/?category=" + category, good).map(page -> {
      assertThat(page.getInteger("total")).isEqualTo(1);
      return page;
    }).compose(v -> api.put("/api/products/" + productId, good, new JsonObject().put("description", "checked")))
        .map(r -> {
          assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
          return r;
        }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aTokenThatExpiresAfterUseIsRefusedThen(Vertx vertx, VertxTestContext ctx) {
    // a token's checked signature is remembered between requests; its expiry must still count on every one
    CatalogApi api = new CatalogApi(vertx, base);
    String shortLived = "Bearer " + jwt(hs256(), claims(2), TestStore.SECRET);
    String page = "/api/products/?category=" + category;
    api.get(page, shortLived).map(r -> {
      assertThat(r.statusCode()).as("while valid: %s", r.bodyAsString()).isEqualTo(200);
      return r;
    }).compose(r -> vertx.timer(3_100)).compose(t -> api.get(page, shortLived)).map(r -> {
      assertProblem(r, 401, "the same token after its exp");
      return r;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void badTokensGet401OnEveryRoute(Vertx vertx, VertxTestContext ctx) throws Exception {
    CatalogApi api = new CatalogApi(vertx, base);
    List<Future<?>> checks = new ArrayList<>();
    badHeaders().forEach((what, header) -> {
      checks.add(api.get("/api/products/?category=" + category, header)
          .map(r -> assertProblem(r, 401, what + " / list")));
      checks.add(api.get("/api/products/by-category/" + category, header)
          .map(r -> assertProblem(r, 401, what + " / by-category")));
      checks.add(api.get("/api/products/categories/list", header)
          .map(r -> assertProblem(r, 401, what + " / categories")));
      checks.add(api.get("/api/products/" + productId, header)
          .map(r -> assertProblem(r, 401, what + " / get")));
      checks.add(api.post("/api/products/", header, product("Forged " + what, category, 1.0, 1))
          .map(r -> assertProblem(r, 401, what + " / post")));
      checks.add(api.put("/api/products/" + productId, header, new JsonObject().put("price", 0.5))
          .map(r -> assertProblem(r, 401, what + " / put")));
      checks.add(api.delete("/api/products/" + productId, header)
          .map(r -> assertProblem(r, 401, what + " / delete")));
    });
    Future.all(checks)
        .compose(v -> Future.all(api.page("/api/products/?category=" + category, ADMIN), api.find(productId)))
        .map(all -> {
          JsonObject page = all.resultAt(0);
          assertThat(page.getInteger("total")).as("no forged product was created").isEqualTo(1);
          JsonObject product = all.resultAt(1);
          assertThat(product).as("the product was not deleted").isNotNull();
          assertThat(product.getDouble("price")).as("the product was not changed").isEqualTo(12.0);
          return null;
        }).onComplete(ctx.succeedingThenComplete());
  }
}
