package store.platform;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Asynchronous loops that do not nest futures. */
public final class Loops {
  private static final Logger LOG = LoggerFactory.getLogger(Loops.class);

  private Loops() {
  }

  /**
   * Runs {@code round} every {@code intervalMs}, the first after {@code delayMs}, never two at once: a tick that finds
   * the last round still working is skipped. A round that fails, or throws before it has a future to return, does
   * not stop the next one (a flag set only by the future's completion would stay set for good after a throw). The
   * first failure in a row is logged under {@code name}, and the round that succeeds after it, so an outage of
   * Cassandra is two lines, not one per round. A round is handed "has stop been asked": a long one (a walk over
   * hundreds of timers) checks it between its steps and leaves the rest for the next start.
   */
  public static Periodic periodic(Vertx vertx, String name, long delayMs, long intervalMs,
      Function<BooleanSupplier, Future<?>> round) {
    Periodic periodic = new Periodic(vertx);
    AtomicBoolean failing = new AtomicBoolean();
    periodic.timerId = vertx.setPeriodic(delayMs, intervalMs, id -> {
      if (periodic.inFlight != null || periodic.stopAsked) {
        return;
      }
      Future<?> started;
      try {
        started = round.apply(periodic::stopAsked);
      } catch (RuntimeException e) {
        started = Future.failedFuture(e);
      }
      periodic.inFlight = started;
      started.onComplete(ar -> {
        periodic.inFlight = null;
        if (ar.failed() && failing.compareAndSet(false, true)) {
          LOG.warn("{} failed, tried again every {} ms: {}", name, intervalMs, ar.cause().toString());
        } else if (ar.succeeded() && failing.compareAndSet(true, false)) {
          LOG.info("{} works again", name);
        }
      });
    });
    return periodic;
  }

  /** The rounds {@link #periodic} runs, until {@link #stop}. */
  public static final class Periodic {
    private final Vertx vertx;
    private long timerId;
    private volatile boolean stopAsked;
    /** The round in progress, or null. */
    private volatile Future<?> inFlight;

    private Periodic(Vertx vertx) {
      this.vertx = vertx;
    }

    boolean stopAsked() {
      return stopAsked;
    }

    /**
     * No more rounds; answers once the round in progress (if any) has ended, or after {@code patienceMs} at most.
     * A verticle's stop waits for it, so a process that stops closes its Cassandra session only after the round's
     * last statement has answered: the statements after it are not sent, rather than sent and failed one by one
     * against a closed session (each a warning: hundreds when a store stopped with orders due).
     */
    public Future<Void> stop(long patienceMs) {
      stopAsked = true;
      vertx.cancelTimer(timerId);
      Future<?> round = inFlight;
      if (round == null) {
        return Future.succeededFuture();
      }
      Promise<Void> ended = Promise.promise();
      long patience = vertx.setTimer(patienceMs, t -> ended.tryComplete());
      round.onComplete(ar -> {
        vertx.cancelTimer(patience);
        ended.tryComplete();
      });
      return ended.future();
    }
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
