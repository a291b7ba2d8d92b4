package store.testing;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.function.Function;
import java.util.function.Supplier;
import store.platform.Cql;

/**
 * A {@link Cql} on the test node whose chosen statements (by how their CQL starts) are sent through {@code around},
 * which gets the sending as a {@link Supplier} and answers what the caller sees. Every other statement passes
 * through untouched. {@link LostAnswers} and {@link StatementsInFlight} are made of it.
 */
final class InterceptedCql {
  private InterceptedCql() {
  }

  static Cql of(Function<Supplier<Future<?>>, Future<?>> around, String... statementStarts) throws Exception {
    CassandraClient real = TestStore.cassandraClient();
    CassandraClient intercepted = (CassandraClient) Proxy.newProxyInstance(CassandraClient.class.getClassLoader(),
        new Class<?>[] {CassandraClient.class}, (proxy, method, args) -> {
          String query = args == null || args.length != 1 ? null
              : args[0] instanceof BoundStatement bound ? bound.getPreparedStatement().getQuery()
              : args[0] instanceof SimpleStatement simple ? simple.getQuery() : null; // prepared, or DDL
          boolean chosen = query != null && Future.class.isAssignableFrom(method.getReturnType())
              && Arrays.stream(statementStarts).anyMatch(query::startsWith);
          if (!chosen) {
            return invoke(method, real, args);
          }
          return around.apply(() -> {
            try {
              return (Future<?>) invoke(method, real, args);
            } catch (Throwable e) {
              return Future.failedFuture(e);
            }
          });
        });
    return new Cql(intercepted, new SimpleMeterRegistry());
  }

  private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
