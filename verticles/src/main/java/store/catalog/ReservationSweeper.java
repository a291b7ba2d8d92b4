package store.catalog;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import store.platform.Loops;

/**
 * Settles reservations a crash or a lost answer left behind (see {@link Reservations#sweep}). Every catalog process
 * runs one; a lease in Cassandra lets one of them work at a time, and passes to another when that one stops.
 */
final class ReservationSweeper extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ReservationSweeper.class);
  private final Reservations reservations;
  private final long intervalMs;
  private final Duration timeout;
  private final String holder = UUID.randomUUID().toString();
  private Loops.Periodic sweeps;

  ReservationSweeper(Reservations reservations, long intervalMs, Duration timeout) {
    this.reservations = reservations;
    this.intervalMs = intervalMs;
    this.timeout = timeout;
  }

  @Override
  public Future<?> start() {
    // the lease outlives a round by far, and lapses soon after its holder stops renewing it
    int leaseSeconds = (int) Math.max(10, 3 * intervalMs / 1000);
    sweeps = Loops.periodic(vertx, "Reservation sweep", intervalMs, intervalMs, stopAsked -> reservations
        .whileLeased(holder, leaseSeconds, () -> reservations.sweep(Instant.now().minus(timeout), stopAsked)
            .onSuccess(settled -> {
              if (settled > 0) {
                LOG.info("Settled {} reservation(s) older than {}", settled, timeout);
              }
            })));
    return Future.succeededFuture();
  }

  /** Undeployed before the Cassandra session closes: a sweep in progress ends after the reservation it is on. */
  @Override
  public Future<?> stop() {
    return sweeps.stop(5_000);
  }
}
