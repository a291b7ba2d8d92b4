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

  /**
   * The background rounds (order timers, intent repair, reservation sweep) run periodically, one at a time. A round
   * that throws instead of answering a failed future, or fails, must not stop the ones after it.
   */
  @Test
  void aPeriodicRoundThatThrowsOrFailsDoesNotStopTheNext(Vertx vertx, VertxTestContext ctx) {
    java.util.concurrent.atomic.AtomicInteger rounds = new java.util.concurrent.atomic.AtomicInteger();
    long[] timer = new long[1];
    timer[0] = Loops.periodic(vertx, "test rounds", 0, 5, () -> {
      int round = rounds.incrementAndGet();
      if (round == 1) {
        throw new IllegalStateException("thrown before any future");
      }
      if (round == 2) {
        return Future.failedFuture("failed");
      }
      if (round == 4) {
        vertx.cancelTimer(timer[0]);
        ctx.completeNow();
      }
      return Future.succeededFuture();
    });
  }

  /** A tick that finds the last round still working skips it: rounds never overlap. */
  @Test
  void periodicRoundsNeverOverlap(Vertx vertx, VertxTestContext ctx) {
    java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();
    io.vertx.core.Promise<Void> first = io.vertx.core.Promise.promise();
    long timer = Loops.periodic(vertx, "test rounds", 0, 5, () -> {
      started.incrementAndGet();
      return first.future();
    });
    vertx.setTimer(100, t -> ctx.verify(() -> {
      assertThat(started.get()).as("ticks while the first round works").isEqualTo(1);
      first.complete();
      vertx.setTimer(100, again -> ctx.verify(() -> {
        assertThat(started.get()).as("after it").isGreaterThan(1);
        vertx.cancelTimer(timer);
        ctx.completeNow();
      }));
    }));
  }
}
