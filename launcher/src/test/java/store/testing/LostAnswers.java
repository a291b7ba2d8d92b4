package store.testing;

import com.datastax.oss.driver.api.core.DriverTimeoutException;
import io.vertx.core.Future;
import store.platform.Cql;

/**
 * A {@link Cql} on the test node whose chosen statements run in Cassandra for real but whose answers are lost: the
 * caller sees the driver's timeout, as when the coordinator dies or the driver stops waiting after the statement
 * was sent. That is what a compare-and-set with an unknown outcome looks like to the code that sent it. Every other
 * statement (the read-backs among them) passes through.
 */
public final class LostAnswers {
  private LostAnswers() {
  }

  /** Loses the answer of every statement whose CQL starts with one of {@code statementStarts}. */
  public static Cql to(String... statementStarts) throws Exception {
    return InterceptedCql.of(send -> send.get()
        .transform(done -> Future.failedFuture(new DriverTimeoutException("answer lost (test)"))), statementStarts);
  }

  /** Loses one answer only: the first of any statement whose CQL starts with one of {@code statementStarts}. */
  public static Cql toTheFirstOf(String... statementStarts) throws Exception {
    java.util.concurrent.atomic.AtomicBoolean lost = new java.util.concurrent.atomic.AtomicBoolean();
    return InterceptedCql.of(send -> lost.getAndSet(true) ? send.get() : send.get()
        .transform(done -> Future.failedFuture(new DriverTimeoutException("answer lost (test)"))), statementStarts);
  }
}
