package store.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The minute-bucket walks (reservation sweeper, order timers, intent repair) are loops of asynchronous rounds. As
 * recursion through compose, a long walk's completion ran back through one nested future per round on one stack.
 */
@ExtendWith(VertxExtension.class)
class LoopsTest {
  private static final int ROUNDS = 50_000;

  /** One round that answers later, on a fresh stack, as a Cassandra query does. */
  private static Future<Integer> later(Vertx vertx, int n) {
    return Future.future(promise -> vertx.runOnContext(v -> promise.complete(n + 1)));
  }

  @Test
  void aLongWalkOfAsynchronousRoundsCompletesWithoutDeepeningTheStack(Vertx vertx, VertxTestContext ctx) {
    vertx.runOnContext(start -> Loops.until(0, n -> n == ROUNDS, n -> later(vertx, n))
        .onComplete(ctx.succeeding(n -> ctx.verify(() -> {
          assertThat(n).isEqualTo(ROUNDS);
          assertThat(Thread.currentThread().getStackTrace().length).as("stack depth at completion").isLessThan(200);
          ctx.completeNow();
        }))));
  }

  @Test
  void roundsThatCompleteAtOnceRunInALoop(VertxTestContext ctx) {
    Loops.until(0, n -> n == ROUNDS, n -> Future.succeededFuture(n + 1))
        .onComplete(ctx.succeeding(n -> ctx.verify(() -> {
          assertThat(n).isEqualTo(ROUNDS);
          ctx.completeNow();
        })));
  }

  @Test
  void theFirstFailingRoundEndsTheWalk(Vertx vertx, VertxTestContext ctx) {
    int[] rounds = {0};
    Loops.<Integer>until(0, n -> n == ROUNDS, n -> {
      rounds[0]++;
      return n == 3 ? Future.failedFuture("bucket unreadable") : later(vertx, n);
    }).onComplete(ctx.failing(e -> ctx.verify(() -> {
      assertThat(e).hasMessage("bucket unreadable");
      assertThat(rounds[0]).isEqualTo(4);
      ctx.completeNow();
    })));
  }
}
