package store.order;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.time.Instant;
import store.platform.Loops;

/**
 * Moves orders along their lifecycle: polls the durable timer table and fires what is due, and every
 * {@code intentGrace} records the orders a crash left committed but unwritten. One instance per
 * process; several processes may poll, as every transition is a compare-and-set. Because the timers live in
 * Cassandra, a restart simply resumes where the last process stopped.
 */
final class OrderLifecycleVerticle extends VerticleBase {
  /** A step of a round is one order's statements: it ends well within this, unless Cassandra is unwell. */
  private static final long STOP_PATIENCE_MS = 5_000;
  private final OrderService service;
  private final long pollMs;
  /** An intent younger than this may still be in the hands of its checkout. */
  private final Duration intentGrace;
  private Loops.Periodic timers;
  private Loops.Periodic repair;

  OrderLifecycleVerticle(OrderService service, long pollMs, Duration intentGrace) {
    this.service = service;
    this.pollMs = pollMs;
    this.intentGrace = intentGrace;
  }

  @Override
  public Future<?> start() {
    timers = Loops.periodic(vertx, "Order timers", 0, pollMs, service::runDueTimers);
    repair = Loops.periodic(vertx, "Order intent repair", intentGrace.toMillis(), intentGrace.toMillis(),
        stopAsked -> service.repairIntents(Instant.now().minus(intentGrace), stopAsked));
    return Future.succeededFuture();
  }

  /** Undeployed before the Cassandra session closes: the rounds in progress end at their next step. */
  @Override
  public Future<?> stop() {
    return Future.join(timers.stop(STOP_PATIENCE_MS), repair.stop(STOP_PATIENCE_MS));
  }
}
