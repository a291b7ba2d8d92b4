package store.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.assertj.core.api.SoftAssertions;
import store.testing.HostileRequests.Expect;
import store.testing.HostileRequests.Probe;
import store.testing.StoreApi.Response;

/**
 * Runs the contract-generated hostile requests against a store (either topology) aimed at a real shopper's real
 * product, cart line and order, and checks the three promises: no 5xx, every rejection a problem+json, and nothing
 * the requests touched has changed.
 */
public final class HostileRun {
  private final StoreApi api;
  private final String admin;
  private final String user;
  private final String username;
  private final Map<String, String> ids = new LinkedHashMap<>();

  /** Sets up the targets: a product in its own category, the shopper's cart line and order. */
  public HostileRun(StoreApi api, String username, String userToken, String adminToken) {
    this.api = api;
    this.username = username;
    this.user = userToken;
    this.admin = adminToken;
    String category = "hostile-" + UUID.randomUUID().toString().substring(0, 8);
    String productId = api.createProduct(admin, category, "Target Lamp", 30, 50);
    Response line = api.addToCart(user, productId, 1);
    assertThat(line.status()).as(line.toString()).isEqualTo(200);
    Response order = api.post("cart", "/cart/checkout", user, null);
    assertThat(order.status()).as(order.toString()).isEqualTo(200);
    Response again = api.addToCart(user, productId, 2);
    ids.put("product_id", productId);
    ids.put("item_id", again.json().getString("id"));
    ids.put("order_id", order.json().getString("id"));
    ids.put("category", category);
  }

  /** What the hostile requests must leave as it was. */
  private Map<String, Object> snapshot() {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("product", api.get("catalog", "/products/" + ids.get("product_id"), admin).json());
    state.put("category", api.get("catalog", "/products/?category=" + ids.get("category"), admin).json());
    state.put("cart", api.get("cart", "/cart/", user).json());
    JsonObject order = api.get("order", "/orders/" + ids.get("order_id"), admin).json();
    order.remove("updated_at"); // the lifecycle may move it on its own; its status is compared below
    order.remove("status");
    state.put("order", order);
    state.put("orders", api.get("order", "/orders/?history=true", user).array().size());
    state.put("me", api.get("user", "/users/me", user).json().put("total_spent", 0));
    return state;
  }

  /** Sends every probe and asserts the promises; answers how many requests were sent. */
  public int run(String internalCredential, int tokenVersion) {
    Map<String, Object> before = snapshot();
    List<Probe> probes = HostileRequests.against(new HostileRequests.Target(ids, user, admin,
        Jwts.badAuthorizations(username, tokenVersion, TestStore.SECRET, internalCredential)));
    SoftAssertions softly = new SoftAssertions();
    List<Future<Response>> batch = new ArrayList<>();
    List<Probe> sent = new ArrayList<>();
    for (Probe probe : probes) {
      batch.add(api.sendAsync(probe.method(), probe.service(), probe.path(), probe.token(), probe.body(),
          probe.headers()));
      sent.add(probe);
      if (batch.size() == 16 || sent.size() == probes.size()) {
        for (int i = 0; i < batch.size(); i++) {
          check(softly, sent.get(sent.size() - batch.size() + i), StoreApi.await(batch.get(i)));
        }
        batch.clear();
      }
    }
    softly.assertThat(snapshot()).as("state after %d hostile requests", probes.size()).isEqualTo(before);
    softly.assertAll();
    return probes.size();
  }

  private static void check(SoftAssertions softly, Probe probe, Response response) {
    int status = response.status();
    softly.assertThat(status).as("%s → %s", probe, response).isLessThan(500);
    if (probe.expect() == Expect.UNAUTHORIZED) {
      softly.assertThat(status).as("%s → %s", probe, response).isEqualTo(401);
    } else if (probe.expect() == Expect.REJECTED) {
      softly.assertThat(status).as("%s → %s", probe, response).isBetween(400, 499);
    }
    if (status >= 400) {
      softly.assertThat(response.contentType()).as("%s → %s", probe, response)
          .startsWith("application/problem+json");
    }
  }
}
