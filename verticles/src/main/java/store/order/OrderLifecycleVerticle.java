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
  private final OrderService service;
  private final long pollMs;
  /** An intent younger than this may still be in the hands of its checkout. */
  private final Duration intentGrace;

  OrderLifecycleVerticle(OrderService service, long pollMs, Duration intentGrace) {
    this.service = service;
    this.pollMs = pollMs;
    this.intentGrace = intentGrace;
  }

  @Override
  public Future<?> start() {
    Loops.periodic(vertx, "Order timers", 0, pollMs, service::runDueTimers);
    Loops.periodic(vertx, "Order intent repair", intentGrace.toMillis(), intentGrace.toMillis(),
        () -> service.repairIntents(Instant.now().minus(intentGrace)));
    return Future.succeededFuture();
  }
}
