package store.order;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.time.Instant;

/**
 * Moves orders along their lifecycle: polls the durable timer table and fires what is due, and every
 * {@code intentGrace} records the orders a crash left committed but unwritten. One instance per
 * process; several processes may poll, as every transition is a compare-and-set. Because the timers live in
 * Cassandra, a restart simply resumes where the last process stopped.
 */
final class OrderLifecycleVerticle extends VerticleBase {
  private final OrderService service;
  private final long pollMs;
  /** An intent younger than this may still be in the hands of its checkout. */
  private final Duration intentGrace;
  private boolean running;
  private boolean repairing;

  OrderLifecycleVerticle(OrderService service, long pollMs, Duration intentGrace) {
    this.service = service;
    this.pollMs = pollMs;
    this.intentGrace = intentGrace;
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(0, pollMs, id -> {
      if (running) {
        return; // the previous round is still working; don't overlap
      }
      running = true;
      service.runDueTimers().onComplete(ar -> running = false);
    });
    vertx.setPeriodic(intentGrace.toMillis(), intentGrace.toMillis(), id -> {
      if (repairing) {
        return;
      }
      repairing = true;
      service.repairIntents(Instant.now().minus(intentGrace)).onComplete(ar -> repairing = false);
    });
    return Future.succeededFuture();
  }
}
