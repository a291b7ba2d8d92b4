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
    Loops.Periodic[] periodic = new Loops.Periodic[1];
    periodic[0] = Loops.periodic(vertx, "test rounds", 0, 5, stopAsked -> {
      int round = rounds.incrementAndGet();
      if (round == 1) {
        throw new IllegalStateException("thrown before any future");
      }
      if (round == 2) {
        return Future.failedFuture("failed");
      }
      if (round == 4) {
        periodic[0].stop(0);
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
    Loops.Periodic periodic = Loops.periodic(vertx, "test rounds", 0, 5, stopAsked -> {
      started.incrementAndGet();
      return first.future();
    });
    vertx.setTimer(100, t -> ctx.verify(() -> {
      assertThat(started.get()).as("ticks while the first round works").isEqualTo(1);
      first.complete();
      vertx.setTimer(100, again -> ctx.verify(() -> {
        assertThat(started.get()).as("after it").isGreaterThan(1);
        periodic.stop(0);
        ctx.completeNow();
      }));
    }));
  }

  /**
   * A store that stops undeploys its rounds before it closes its Cassandra session. Stopping tells the round in
   * progress, which ends at its next step (a walk over due timers leaves the rest for the next start), answers once
   * that round has ended, and starts no other: nothing is sent to a session about to close.
   */
  @Test
  void stopEndsTheRoundInProgressAtItsNextStepThenAnswers(Vertx vertx, VertxTestContext ctx) {
    int steps = 50;
    java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean roundEnded = new java.util.concurrent.atomic.AtomicBoolean();
    vertx.runOnContext(begin -> {
      Loops.Periodic periodic = Loops.periodic(vertx, "test walk", 0, 5, stopAsked -> {
        started.incrementAndGet();
        // a walk of 50 steps of 20 ms each (one order's statements each), looking at stopAsked between steps
        return Loops.until(0, n -> n == steps || stopAsked.getAsBoolean(),
                n -> Future.future(p -> vertx.setTimer(20, t -> {
                  done.incrementAndGet();
                  p.complete(n + 1);
                })))
            .onComplete(ar -> roundEnded.set(true));
      });
      // stop once the walk is two steps in (however slow the machine), as a SIGTERM in the middle of a walk
      vertx.setPeriodic(5, poll -> {
        if (done.get() < 2) {
          return;
        }
        vertx.cancelTimer(poll);
        periodic.stop(10_000).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(roundEnded).as("the round had ended when stop answered").isTrue();
          int stepsAtStop = done.get();
          assertThat(stepsAtStop).as("steps run: the round ended early").isLessThan(steps / 2);
          vertx.setTimer(200, later -> ctx.verify(() -> {
            assertThat(started.get()).as("rounds started").isEqualTo(1);
            assertThat(done.get()).as("steps after stop answered").isEqualTo(stepsAtStop);
            ctx.completeNow();
          }));
        })));
      });
    });
  }

  /** A round that does not end (Cassandra unwell) holds a stop up for its patience only. */
  @Test
  void stopWaitsForAStuckRoundOnlyAsLongAsItsPatience(Vertx vertx, VertxTestContext ctx) {
    vertx.runOnContext(begin -> {
      Loops.Periodic periodic = Loops.periodic(vertx, "test stuck", 0, 5,
          stopAsked -> io.vertx.core.Promise.promise().future());
      vertx.setTimer(50, t -> {
        long asked = System.nanoTime();
        periodic.stop(300).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat((System.nanoTime() - asked) / 1_000_000).as("ms until stop answered").isBetween(250L, 5_000L);
          ctx.completeNow();
        })));
      });
    });
  }
}
