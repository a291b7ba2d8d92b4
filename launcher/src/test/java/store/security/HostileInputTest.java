package store.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.platform.Caller;
import store.testing.HostileRun;
import store.testing.StoreApi;
import store.testing.StoreApi.Response;
import store.testing.TestStore;

/**
 * Hostile input on every route of the four contracts (all-in-one; the split topology runs the same generator in
 * SplitTopologyIT), object-level authorisation on every resource id, and mass assignment through every public write.
 */
@ExtendWith(VertxExtension.class)
class HostileInputTest {
  private static String baseUrl;
  private StoreApi api;
  private String admin;

  @BeforeAll
  static void store() throws Exception {
    baseUrl = TestStore.start();
  }

  @BeforeEach
  void setUp(Vertx vertx) {
    api = StoreApi.allInOne(vertx, baseUrl);
    admin = TestStore.token("swagger_admin", true);
  }

  private static String name(String prefix) {
    return prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void everyRouteRejectsHostileInputWithAProblemAndChangesNothing() throws Exception {
    String username = name("hostile");
    String token = api.registerAndLogin(username, "hostile-password");
    int version = StoreApi.await(TestStore.auth().accounts().state(username)).version();
    String internal = TestStore.auth().issueInternalCredential("cart", "catalog", "get-product",
        new Caller(username, false));
    int sent = new HostileRun(api, username, token, admin).run(internal, version);
    assertThat(sent).as("requests generated from the contracts").isGreaterThan(500);
  }

  @Test
  void noUserReachesAnotherUsersCartItemsOrdersNotificationsOrProfile() {
    String productId = api.createProduct(admin, name("owned"), "Owned Lamp", 12, 20);
    String alice = api.registerAndLogin(name("alice"), "alice-password");
    String bob = api.registerAndLogin(name("bob"), "bob-password");
    String bobsItem = api.addToCart(bob, productId, 1).json().getString("id");
    String bobsOrder = api.post("user", "/users/me/orders", bob, null).json().getString("id");
    api.addToCart(bob, productId, 2);
    bobsItem = api.get("cart", "/cart/", bob).json().getJsonArray("items").getJsonObject(0).getString("id");

    assertThat(api.get("order", "/orders/" + bobsOrder, alice).status()).isEqualTo(404);
    assertThat(api.put("order", "/orders/" + bobsOrder + "/cancel", alice, null).status()).isEqualTo(404);
    assertThat(api.put("cart", "/cart/items/" + bobsItem, alice, new JsonObject().put("quantity", 1)).status())
        .isEqualTo(404);
    assertThat(api.delete("cart", "/cart/items/" + bobsItem, alice).status()).isEqualTo(404);
    assertThat(api.get("order", "/orders/", alice).array()).isEmpty();
    assertThat(api.get("user", "/users/me/orders", alice).array()).isEmpty();
    assertThat(api.get("user", "/users/me/notifications", alice).array()).isEmpty();
    JsonObject profile = api.get("user", "/users/me/profile", alice).json();
    assertThat(profile.getJsonArray("orders")).isEmpty();
    assertThat(profile.getValue("current_cart_total").toString()).isEqualTo("0");
    // admin-only routes, by a shopper
    assertThat(api.get("cart", "/carts/", alice).status()).isEqualTo(403);
    assertThat(api.put("order", "/orders/" + bobsOrder + "/status?status=SHIPPING", alice, null).status())
        .isEqualTo(403);
    assertThat(api.put("catalog", "/products/" + productId, alice, new JsonObject().put("price", 1)).status())
        .isEqualTo(403);
    assertThat(api.delete("catalog", "/products/" + productId, alice).status()).isEqualTo(403);
    // Bob's things are as he left them
    assertThat(api.get("cart", "/cart/", bob).json().getJsonArray("items").getJsonObject(0).getInteger("quantity"))
        .isEqualTo(2);
    assertThat(api.get("order", "/orders/" + bobsOrder, bob).json().getString("status")).isNotEqualTo("CANCELLED");
  }

  @Test
  void clientSentRolesPricesStatusesAndOwnersAreNeverTaken() {
    String productId = api.createProduct(admin, name("mass"), "Honest Price", 25, 20);
    String username = name("mass");
    String carol = api.registerAndLogin(username, "carol-password");

    Response line = api.post("cart", "/cart/items", carol, new JsonObject().put("product_id", productId)
        .put("quantity", 1).put("price", 0.01).put("name", "Free").put("total_price", 0));
    if (line.status() == 200) {
      assertThat(line.json().getDouble("price")).isEqualTo(25.0);
      assertThat(line.json().getString("name")).isEqualTo("Honest Price");
    } else {
      assertThat(line.status()).isEqualTo(400);
    }

    Response order = api.post("order", "/orders/", carol, new JsonObject().put("status", "DELIVERED")
        .put("total", 0.01).put("user_id", "swagger_admin").put("items", new JsonArray()
            .add(new JsonObject().put("product_id", productId).put("quantity", 2).put("price", 0.01))));
    if (order.status() == 200) {
      assertThat(order.json().getString("status")).isEqualTo("CREATED");
      assertThat(order.json().getString("user_id")).isEqualTo(username);
      assertThat(order.json().getDouble("total")).isEqualTo(50.0);
    } else {
      assertThat(order.status()).isEqualTo(400);
    }

    Response me = api.put("user", "/users/me", carol, new JsonObject().put("full_name", "Carol")
        .put("is_admin", true).put("username", "swagger_admin").put("id", UUID.randomUUID().toString()));
    assertThat(me.status()).isIn(200, 400);
    JsonObject account = api.get("user", "/users/me", carol).json();
    assertThat(account.getString("username")).isEqualTo(username);
    assertThat(account.getBoolean("is_admin")).isFalse();
    assertThat(api.get("cart", "/carts/", carol).status()).as("still not an admin").isEqualTo(403);

    Response created = api.post("catalog", "/products/", admin, new JsonObject().put("name", "Chosen Id")
        .put("category", name("mass")).put("price", 3).put("stock_count", 1).put("product_id", productId));
    if (created.status() == 201) {
      assertThat(created.json().getString("product_id")).isNotEqualTo(productId);
    }
    assertThat(api.get("catalog", "/products/" + productId, admin).json().getString("name"))
        .isEqualTo("Honest Price");
  }
}
