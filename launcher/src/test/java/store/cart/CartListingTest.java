package store.cart;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import store.testing.StoreApi;
import store.testing.StoreApi.Response;
import store.testing.TestStore;

/**
 * An admin's list of everyone's carts is paged by cursor, as the admin's order list is: every cart on exactly one
 * page, with its lines and total, however many carts the store has.
 */
class CartListingTest {
  @Test
  void everyCartIsOnExactlyOnePageFollowingTheCursor() throws Exception {
    StoreApi api = StoreApi.allInOne(TestStore.vertx(), TestStore.start());
    String admin = TestStore.token("cart-list-admin", true);
    String productId = api.createProduct(admin, "cart-lists", "Listed Mug", 2.5, 100);
    String run = UUID.randomUUID().toString().substring(0, 8);
    List<String> shoppers = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      String shopper = "cart-list-" + run + "-" + i;
      shoppers.add(shopper);
      assertThat(api.addToCart(TestStore.token(shopper, false), productId, i).status()).isEqualTo(200);
    }

    List<JsonObject> listed = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      Response page = api.get("cart", "/carts/?limit=2" + (cursor == null ? "" : "&cursor=" + cursor), admin);
      assertThat(page.status()).as(page.toString()).isEqualTo(200);
      assertThat(page.array().size()).as("a page holds its limit at most").isLessThanOrEqualTo(2);
      page.array().forEach(cart -> listed.add((JsonObject) cart));
      cursor = page.headers().get("X-Next-Cursor");
      pages++;
    } while (cursor != null && pages < 1_000);
    assertThat(cursor).as("the last page has no next cursor").isNull();

    assertThat(listed).extracting(cart -> cart.getString("username")).doesNotHaveDuplicates();
    Map<String, JsonObject> ours = listed.stream().filter(cart -> shoppers.contains(cart.getString("username")))
        .collect(Collectors.toMap(cart -> cart.getString("username"), Function.identity()));
    assertThat(ours).as("every shopper's cart, once").containsOnlyKeys(shoppers);
    for (int i = 1; i <= 5; i++) {
      JsonObject cart = ours.get(shoppers.get(i - 1));
      JsonArray items = cart.getJsonArray("items");
      assertThat(items).hasSize(1);
      assertThat(items.getJsonObject(0).getInteger("quantity")).isEqualTo(i);
      assertThat(cart.getDouble("total")).isEqualTo(2.5 * i);
    }

    assertThat(api.get("cart", "/carts/", admin).array().size()).as("a page without a limit")
        .isLessThanOrEqualTo(CartService.ADMIN_PAGE);
    for (String bad : List.of("limit=0", "limit=501", "cursor=a%20b", "cursor=A")) {
      Response refused = api.get("cart", "/carts/?" + bad, admin);
      assertThat(refused.status()).as(bad).isEqualTo(400);
      assertThat(refused.contentType()).startsWith("application/problem+json");
      assertThat(refused.body().toString()).as(bad).contains(bad.substring(0, bad.indexOf('=')));
    }
  }
}
