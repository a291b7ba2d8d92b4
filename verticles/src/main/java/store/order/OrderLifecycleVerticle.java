package store.order;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * Moves orders along their lifecycle: polls the durable timer table and fires what is due. One instance per
 * process; several processes may poll, as every transition is a compare-and-set. Because the timers live in
 * Cassandra, a restart simply resumes where the last process stopped.
 */
final class OrderLifecycleVerticle extends VerticleBase {
  private final OrderService service;
  private final long pollMs;
  private boolean running;

  OrderLifecycleVerticle(OrderService service, long pollMs) {
    this.service = service;
    this.pollMs = pollMs;
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
    return Future.succeededFuture();
  }
}
