package store.user;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import store.platform.Accounts;
import store.testing.LostAnswers;
import store.testing.StoreApi;
import store.testing.TestStore;

/**
 * Registration and token revocation when Cassandra cannot say whether a compare-and-set applied (the write lands,
 * its answer is lost): the row is read back before anyone is told, so a registration is neither reported failed
 * nor, when the client retries, "taken" by itself, and a revocation is neither lost nor counted twice.
 */
class LostWriteAnswersTest {

  @BeforeAll
  static void store() throws Exception {
    TestStore.start(); // its tables
  }

  private static JsonObject user(String username) {
    return new JsonObject().put("username", username).put("id", UUID.randomUUID().toString())
        .put("full_name", "Lost Answer").put("phone", "+100200300").put("email", username + "@example.com")
        .put("is_admin", false).put("created_at", Instant.now().toString());
  }

  @Test
  void aRegistrationWhoseAnswerWasLostIsReadBack() throws Exception {
    UserRepository users = new UserRepository(LostAnswers.to("INSERT INTO users"));
    String name = "lost-" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject user = user(name);
    assertThat(StoreApi.await(users.insert(user, "hash"))).as("it applied: the row read back is this user's")
        .isTrue();
    assertThat(StoreApi.await(new UserRepository(TestStore.cql()).find(name)).getUuid("id").toString())
        .isEqualTo(user.getString("id"));
    assertThat(StoreApi.await(users.insert(user(name), "hash"))).as("someone else of that name: taken").isFalse();
  }

  @Test
  void anAccountsCompareAndSetWhoseAnswerWasLostIsReadBack() throws Exception {
    Accounts accounts = new Accounts(LostAnswers.to("INSERT INTO account_state", "UPDATE account_state"), 0);
    String name = "lost-account-" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(StoreApi.await(accounts.created(name, false))).isEqualTo(new Accounts.State(0, false));
    assertThat(StoreApi.await(accounts.revokeTokens(name, true))).as("moved once, not twice")
        .isEqualTo(new Accounts.State(1, true));
    assertThat(StoreApi.await(new Accounts(TestStore.cql(), 0).state(name))).isEqualTo(new Accounts.State(1, true));
  }
}
