package store.testing;

import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Arrays;
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
    CassandraClient real = TestStore.cassandraClient();
    CassandraClient lossy = (CassandraClient) Proxy.newProxyInstance(CassandraClient.class.getClassLoader(),
        new Class<?>[] {CassandraClient.class}, (proxy, method, args) -> {
          Object result;
          try {
            result = method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if (args != null && args.length == 1 && args[0] instanceof BoundStatement bound
              && result instanceof Future<?> answer
              && Arrays.stream(statementStarts).anyMatch(bound.getPreparedStatement().getQuery()::startsWith)) {
            return answer.transform(done -> Future.failedFuture(new DriverTimeoutException("answer lost (test)")));
          }
          return result;
        });
    return new Cql(lossy, new SimpleMeterRegistry());
  }
}
