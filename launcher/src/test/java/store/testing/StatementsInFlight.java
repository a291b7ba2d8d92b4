package store.testing;

import java.util.concurrent.atomic.AtomicInteger;
import store.platform.Cql;

/**
 * A {@link Cql} on the test node that counts how many of the chosen statements are on their way to Cassandra at
 * once, and remembers the most it saw: whether a piece of code sends them side by side or one after the other.
 */
public final class StatementsInFlight {
  private final AtomicInteger now = new AtomicInteger();
  private final AtomicInteger most = new AtomicInteger();
  private final Cql cql;

  /** Watches every statement whose CQL starts with {@code statementStart}; the others pass through uncounted. */
  public StatementsInFlight(String statementStart) throws Exception {
    cql = InterceptedCql.of(send -> {
      most.accumulateAndGet(now.incrementAndGet(), Math::max);
      return send.get().andThen(done -> now.decrementAndGet());
    }, statementStart);
  }

  public Cql cql() {
    return cql;
  }

  /** The most statements that were on their way at once since the last {@link #reset}. */
  public int most() {
    return most.get();
  }

  public void reset() {
    most.set(now.get());
  }
}
