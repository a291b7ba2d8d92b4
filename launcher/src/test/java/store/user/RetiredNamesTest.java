package store.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import store.cart.CartAdministration;
import store.platform.Accounts;
import store.platform.Cql;
import store.testing.StoreApi;
import store.testing.StoreApi.Response;
import store.testing.TestStore;

/**
 * A deleted account's name is not given to anyone else: the cart, its recent views and the order list are keyed by
 * user name, so a second owner of the name would see the first one's. The deletion erases the cart and the views.
 */
class RetiredNamesTest {

  @Test
  void aDeletedAccountsNameCannotBeRegisteredAgainNorItsCartReached() throws Exception {
    StoreApi api = StoreApi.allInOne(TestStore.vertx(), TestStore.start());
    String name = "retired-" + UUID.randomUUID().toString().substring(0, 8);
    String first = api.registerAndLogin(name, "the-first-owners-password");
    String productId = api.createProduct(TestStore.token("retired-admin", true), "retired-" + UUID.randomUUID(),
        "Left In The Cart", 4.5, 10);
    assertThat(api.send(HttpMethod.POST, "cart", "/cart/items", first, new JsonObject()
        .put("product_id", productId).put("quantity", 2), MultiMap.caseInsensitiveMultiMap()
        .add("Idempotency-Key", "retired-add")).status()).isEqualTo(200);
    assertThat(api.post("cart", "/products/" + productId + "/view", first, null).status()).isEqualTo(200);
    assertThat(rows("cart_items", name)).isEqualTo(1);
    assertThat(rows("cart_adds", name)).isEqualTo(1);

    Cql cql = TestStore.cql();
    StoreApi.await(new UserAdministration(cql, new Accounts(cql, 0)).delete(name,
        () -> new CartAdministration(cql).forget(name))); // as the operator's delete-user does
    assertThat(rows("cart_items", name)).as("the cart, erased").isZero();
    assertThat(rows("recent_views", name)).as("the recent views, erased").isZero();
    assertThat(rows("cart_adds", name)).as("the keyed adds, erased").isZero();

    Response again = api.post("user", "/users/register", null, new JsonObject().put("username", name)
        .put("full_name", "Second Owner").put("phone", "+100200300").put("password", "the-second-owners-password"));
    assertThat(again.status()).as(again.toString()).isEqualTo(400);
    assertThat(again.json().getString("type")).endsWith("username-taken");
    assertThat(StoreApi.await(new UserRepository(TestStore.cql()).find(name))).as("the claimed row, taken back")
        .isNull();
    assertThat(token(api, name, "the-second-owners-password").status()).isEqualTo(401);
    assertThat(token(api, name, "the-first-owners-password").status()).isEqualTo(401);
    assertThat(StoreApi.eventually(java.time.Duration.ofSeconds(5), () -> api.get("cart", "/cart/", first),
        r -> r.status() == 401).status()).as("the first owner's token, once the account cache has expired")
        .isEqualTo(401);
  }

  @Test
  void aDeletedAccountRefusesANewAccountOfItsNameAndALogin() throws Exception {
    TestStore.start(); // the user tables
    Accounts accounts = new Accounts(TestStore.cql(), 0);
    String name = "raced-" + UUID.randomUUID().toString().substring(0, 8);
    StoreApi.await(accounts.created(name, false));
    StoreApi.await(accounts.deleted(name));
    assertThatThrownBy(() -> StoreApi.await(accounts.created(name, false))).hasRootCauseInstanceOf(
        Accounts.RetiredName.class);
    assertThatThrownBy(() -> StoreApi.await(accounts.ensure(name, false))).as("what a login asks")
        .hasRootCauseInstanceOf(Accounts.RetiredName.class);
    assertThat(StoreApi.await(accounts.state(name))).as("what a token is checked against").isNull();
  }

  private static int rows(String table, String username) throws Exception {
    return StoreApi.await(TestStore.cql().rows("test.rows-of-" + table, "SELECT username FROM " + table
        + " WHERE username = ?", username)).size();
  }

  private static Response token(StoreApi api, String username, String password) {
    return api.post("user", "/token", null, MultiMap.caseInsensitiveMultiMap().add("username", username)
        .add("password", password));
  }
}
