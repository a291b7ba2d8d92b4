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
  void aCostBelowOwaspsMinimumIsRefused(Vertx vertx) {
    assertThatThrownBy(() -> new Passwords(vertx, 4, 2, 64)).isInstanceOf(IllegalArgumentException.class);
  }
}
