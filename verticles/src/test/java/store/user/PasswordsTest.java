package store.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class PasswordsTest {

  @Test
  void hashesAreSaltedBcryptAtTheConfiguredCostAndVerify(Vertx vertx, VertxTestContext test) {
    Passwords passwords = new Passwords(vertx, 10, 2, 64);
    passwords.hash("password123").compose(first -> passwords.hash("password123").compose(second -> {
      test.verify(() -> {
        assertThat(first).startsWith("$2").contains("$10$").doesNotContain("password123");
        assertThat(second).isNotEqualTo(first); // salted
      });
      return passwords.matches("password123", first).compose(ok -> passwords.matches("wrong", first)
          .compose(bad -> passwords.matches("password123", null).map(unknown -> {
            test.verify(() -> {
              assertThat(ok).isTrue();
              assertThat(bad).isFalse();
              assertThat(unknown).isFalse(); // unknown user: the decoy is checked, the answer is no
            });
            return null;
          })));
    })).onComplete(test.succeedingThenComplete());
  }

  @Test
  void pastItsQueueHashingAnswers503WithRetryAfterInsteadOfWaiting(Vertx vertx, VertxTestContext test) {
    Passwords passwords = new Passwords(vertx, 12, 1, 3); // one thread, at most three hashes queued or running
    java.util.List<io.vertx.core.Future<String>> hashes = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      hashes.add(passwords.hash("flood-" + i));
    }
    io.vertx.core.Future.join(hashes).onComplete(all -> test.verify(() -> {
      long hashed = hashes.stream().filter(io.vertx.core.Future::succeeded).count();
      java.util.List<Throwable> refused = hashes.stream().filter(io.vertx.core.Future::failed)
          .map(io.vertx.core.Future::cause).toList();
      assertThat(hashed).as("the queue's worth is hashed").isEqualTo(3);
      assertThat(refused).hasSize(5).allSatisfy(e -> {
        assertThat(e).isInstanceOf(store.platform.ProblemException.class);
        assertThat(((store.platform.ProblemException) e).status()).isEqualTo(503);
        assertThat(((store.platform.ProblemException) e).retryAfterSeconds()).as("Retry-After").isPositive();
      });
      // once the queue has drained, hashing works again
      passwords.hash("after-the-flood").onComplete(test.succeedingThenComplete());
    }));
  }

  @Test
  void aCostBelowOwaspsMinimumIsRefused(Vertx vertx) {
    assertThatThrownBy(() -> new Passwords(vertx, 4, 2, 64)).isInstanceOf(IllegalArgumentException.class);
  }
}
