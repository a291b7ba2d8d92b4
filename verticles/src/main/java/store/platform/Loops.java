package store.platform;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.function.Function;
import java.util.function.Predicate;

/** Asynchronous loops that do not nest futures. */
public final class Loops {
  private Loops() {
  }

  /**
   * Runs {@code step} from {@code start} until {@code finished} holds, each round once the previous one's future has
   * completed; fails with the first round that fails. A loop written as recursion through {@code compose} nests one
   * future per round, and when the innermost completes, completion runs back through every one of them on a single
   * stack: a walk over a day of minute buckets (1 440 rounds, what a first sweep does) overflowed an event loop's.
   */
  public static <S> Future<S> until(S start, Predicate<S> finished, Function<S, Future<S>> step) {
    Promise<S> done = Promise.promise();
    run(start, finished, step, done);
    return done.future();
  }

  private static <S> void run(S start, Predicate<S> finished, Function<S, Future<S>> step, Promise<S> done) {
    S state = start;
    while (true) { // rounds that complete at once go on here, not deeper in the stack
      if (finished.test(state)) {
        done.complete(state);
        return;
      }
      Future<S> round;
      try {
        round = step.apply(state);
      } catch (RuntimeException e) {
        done.fail(e);
        return;
      }
      if (!round.isComplete()) {
        round.onComplete(ar -> {
          if (ar.succeeded()) {
            run(ar.result(), finished, step, done);
          } else {
            done.fail(ar.cause());
          }
        });
        return;
      }
      if (round.failed()) {
        done.fail(round.cause());
        return;
      }
      state = round.result();
    }
  }
}
