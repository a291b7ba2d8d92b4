package store.flow;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.testing.StoreApi;
import store.testing.StoreApi.Response;
import store.testing.TestStore;

/**
 * What a write answers is what a later read of the same thing shows: times are answered as Cassandra keeps them (to
 * the millisecond), so a client comparing the two sees one value.
 */
@ExtendWith(VertxExtension.class)
class AnswersAsStoredTest {

  @Test
  void registrationCheckoutAndViewAnswerTheTimesTheirReadsShow(Vertx vertx) throws Exception {
    StoreApi api = StoreApi.allInOne(vertx, TestStore.start());
    String name = "stored-" + UUID.randomUUID().toString().substring(0, 8);
    Response registered = api.post("user", "/users/register", null, new JsonObject().put("username", name)
        .put("full_name", "Stored Times").put("phone", "+100200300").put("password", "stored-times-password"));
    assertThat(registered.status()).as(registered.toString()).isEqualTo(200);
    String token = api.login(name, "stored-times-password");
    assertThat(api.get("user", "/users/me", token).json().getString("created_at"))
        .isEqualTo(registered.json().getString("created_at"));

    String productId = api.createProduct(TestStore.token("stored-admin", true), "stored-" + UUID.randomUUID(),
        "Timed Mug", 6.5, 5);
    Response viewed = api.post("cart", "/products/" + productId + "/view", token, null);
    assertThat(viewed.status()).as(viewed.toString()).isEqualTo(200);
    assertThat(api.get("cart", "/products/recent-views", token).array().getJsonObject(0).getString("viewed_at"))
        .isEqualTo(viewed.json().getString("viewed_at"));

    assertThat(api.addToCart(token, productId, 1).status()).isEqualTo(200);
    Response order = api.post("cart", "/cart/checkout", token, null);
    assertThat(order.status()).as(order.toString()).isEqualTo(200);
    JsonObject read = api.get("order", "/orders/" + order.json().getString("id"), token).json();
    assertThat(read.getString("created_at")).isEqualTo(order.json().getString("created_at"));
    assertThat(read.getString("updated_at")).isEqualTo(order.json().getString("updated_at"));
  }
}
