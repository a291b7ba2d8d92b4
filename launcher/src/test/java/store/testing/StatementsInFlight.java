package store.testing;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
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
    CassandraClient real = TestStore.cassandraClient();
    CassandraClient watched = (CassandraClient) Proxy.newProxyInstance(CassandraClient.class.getClassLoader(),
        new Class<?>[] {CassandraClient.class}, (proxy, method, args) -> {
          boolean counted = args != null && args.length == 1 && args[0] instanceof BoundStatement bound
              && bound.getPreparedStatement().getQuery().startsWith(statementStart);
          if (counted) {
            most.accumulateAndGet(now.incrementAndGet(), Math::max);
          }
          Object result;
          try {
            result = method.invoke(real, args);
          } catch (InvocationTargetException e) {
            if (counted) {
              now.decrementAndGet();
            }
            throw e.getCause();
          }
          if (counted && result instanceof Future<?> answer) {
            return answer.andThen(done -> now.decrementAndGet());
          }
          return result;
        });
    cql = new Cql(watched, new SimpleMeterRegistry());
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
