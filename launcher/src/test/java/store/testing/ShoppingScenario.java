package store.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * The seed's sequence diagram, end to end, with the same assertions whatever the topology: register → token →
 * browse a category → add to cart → order through the user service → watch the status advance → see it in the
 * profile; stock fell by the ordered quantity and the cart is empty.
 */
public final class ShoppingScenario {
  private ShoppingScenario() {
  }

  public static void run(StoreApi api) {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String admin = api.login("swagger_admin", "admin123");
    String category = "flow-" + suffix;
    String productId = api.createProduct(admin, category, "Flow Teapot", 12.5, 10);

    // register → token; the server decides the role, and never answers the password
    StoreApi.Response registered = api.post("user", "/users/register", null, new JsonObject()
        .put("username", "shopper_" + suffix).put("full_name", "Flow Shopper").put("phone", "+100200300")
        .put("password", "s3cret-pass").put("is_admin", true));
    assertThat(registered.status()).isEqualTo(200);
    assertThat(registered.json().fieldNames()).contains("id", "username", "full_name", "phone", "is_admin",
        "total_spent", "created_at").doesNotContain("password", "password_hash");
    assertThat(registered.json().getBoolean("is_admin")).isFalse();
    String token = api.login("shopper_" + suffix, "s3cret-pass");

    // browse the category
    JsonObject page = api.get("catalog", "/products/?category=" + category, token).json();
    assertThat(page.getInteger("total")).isEqualTo(1);
    assertThat(page.getJsonArray("items").getJsonObject(0).getString("product_id")).isEqualTo(productId);

    // add to cart (the cart asks the catalog for stock)
    StoreApi.Response added = api.addToCart(token, productId, 3);
    assertThat(added.status()).as(added.toString()).isEqualTo(200);
    assertThat(added.json().getInteger("quantity")).isEqualTo(3);
    assertThat(api.get("user", "/users/me/profile", token).json().getDouble("current_cart_total")).isEqualTo(37.5);

    // order through the user service: user → cart → catalog (reserve) → order
    StoreApi.Response ordered = api.post("user", "/users/me/orders", token, null);
    assertThat(ordered.status()).as(ordered.toString()).isEqualTo(200);
    JsonObject order = ordered.json();
    assertThat(order.getString("status")).isEqualTo("CREATED");
    assertThat(order.getDouble("total")).isEqualTo(37.5);
    String orderId = order.getString("id");

    // the status advances on timers, up to DELIVERED
    JsonObject delivered = StoreApi.eventually(Duration.ofSeconds(30),
        () -> api.get("order", "/orders/" + orderId, token).json(), o -> "DELIVERED".equals(o.getString("status")));
    assertThat(delivered.getString("status")).isEqualTo("DELIVERED");

    // notifications arrived, in order
    JsonArray notes = StoreApi.eventually(Duration.ofSeconds(10),
        () -> api.get("user", "/users/me/notifications", token).array(), a -> a.size() >= 4);
    List<String> statuses = notes.stream().map(n -> (JsonObject) n)
        .filter(n -> orderId.equals(n.getString("order_id"))).map(n -> n.getString("status")).toList();
    assertThat(statuses).containsExactly("CREATED", "PROCESSING", "SHIPPING", "DELIVERED");

    // the profile shows cart total and orders
    JsonObject profile = api.get("user", "/users/me/profile", token).json();
    assertThat(profile.getDouble("current_cart_total")).isEqualTo(0.0);
    assertThat(profile.containsKey("missing")).isFalse();
    JsonObject listed = profile.getJsonArray("orders").getJsonObject(0);
    assertThat(listed.getString("id")).isEqualTo(orderId);
    assertThat(listed.getString("status")).isEqualTo("DELIVERED");
    assertThat(api.get("user", "/users/me/total-spent", token).json().getDouble("total_spent")).isEqualTo(37.5);

    // stock fell by the ordered quantity; the cart is empty
    assertThat(api.stock(token, productId)).isEqualTo(7);
    assertThat(api.get("cart", "/cart/", token).json().getJsonArray("items")).isEmpty();
    assertThat(api.get("user", "/users/me/cart", token).json().getJsonArray("items")).isEmpty();
  }
}
