package store.platform;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.NodeUnavailableException;
import com.datastax.oss.driver.api.core.RequestThrottlingException;
import com.datastax.oss.driver.api.core.connection.BusyConnectionException;
import com.datastax.oss.driver.api.core.connection.ClosedConnectionException;
import com.datastax.oss.driver.api.core.connection.HeartbeatException;
import com.datastax.oss.driver.api.core.servererrors.BootstrappingException;
import com.datastax.oss.driver.api.core.servererrors.OverloadedException;
import com.datastax.oss.driver.api.core.servererrors.ReadTimeoutException;
import com.datastax.oss.driver.api.core.servererrors.CASWriteUnknownException;
import com.datastax.oss.driver.api.core.servererrors.UnavailableException;
import com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException;
import com.datastax.oss.driver.api.core.servererrors.WriteType;
import io.vertx.cassandra.CassandraClient;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Vertx;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs CQL for the repositories: every statement is prepared once and reused, and every execution is timed into
 * {@code cassandra_query_duration_seconds{query=...}}.
 */
public final class Cql {
  /** The driver's execution profile of {@link #serialOne} (defined in {@link CassandraSessions}). */
  public static final String SERIAL_READ = "serial-read";
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Cql.class);
  private static final int AGREEMENT_TRIES = 120;
  /** How long one schema change may take before it is sent again, and how often it is sent at most. */
  private static final Duration DDL_TIMEOUT = Duration.ofSeconds(30);
  private static final int DDL_TRIES = 3;
  /** {@code x = x + ?}: a counter or a list append, which a second execution would apply twice. */
  private static final java.util.regex.Pattern INCREMENT =
      java.util.regex.Pattern.compile("(\\w+)\\s*=\\s*\\1\\s*[+-]", java.util.regex.Pattern.CASE_INSENSITIVE);
  private final CassandraClient client;
  private final MeterRegistry registry;
  private final CircuitBreaker breaker;
  private final Map<String, Prepared> prepared = new ConcurrentHashMap<>();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

  /** Without a circuit breaker: for one-shot operator commands and test fixtures. */
  public Cql(CassandraClient client, MeterRegistry registry) {
    this(client, registry, null);
  }

  /**
   * With a circuit breaker over every query: after {@code 3} queries in a row fail because Cassandra is not
   * answering (timeouts, no node, overloaded), requests are refused at once with a 503 problem and
   * {@code Retry-After} instead of each waiting out the driver's timeout; one trial query every 2 s closes it
   * again once Cassandra answers. A refusal or a bug in a query does not count.
   */
  public Cql(CassandraClient client, MeterRegistry registry, Vertx vertx) {
    this.client = client;
    this.registry = registry;
    this.breaker = vertx == null ? null : CircuitBreaker.create("cassandra", vertx, new CircuitBreakerOptions()
            .setMaxFailures(3).setTimeout(-1).setResetTimeout(2_000))
        .failurePolicy(outcome -> outcome.failed() && storageUnavailable(outcome.cause()));
    if (breaker != null) {
      io.micrometer.core.instrument.Gauge.builder("cassandra_circuit_open", breaker,
              b -> b.state() == CircuitBreakerState.CLOSED ? 0 : 1)
          .description("1 while requests are refused because Cassandra is not answering").register(registry);
    }
  }

  /** Cassandra not answering, as opposed to answering no. */
  static boolean storageUnavailable(Throwable e) {
    return e instanceof DriverTimeoutException || e instanceof AllNodesFailedException
        || e instanceof NodeUnavailableException || e instanceof RequestThrottlingException
        || e instanceof ReadTimeoutException || e instanceof WriteTimeoutException
        || e instanceof UnavailableException || e instanceof OverloadedException
        || e instanceof BootstrappingException || e instanceof ClosedConnectionException
        || e instanceof HeartbeatException || e instanceof BusyConnectionException;
  }

  public CassandraClient client() {
    return client;
  }

  /** How far back a first walk over minute buckets looks at most. */
  public static final Duration FIRST_WALK_LOOKBACK = Duration.ofDays(1);

  /**
   * Where a first walk over the minute buckets of {@code tables} starts when no walk has recorded its progress yet:
   * {@link #FIRST_WALK_LOOKBACK} before {@code now}, but not before the earliest of the tables was made (less
   * {@code skew}, for writers whose clocks are behind), as no bucket can be older than its table. On a new keyspace
   * that is a few minutes instead of a day of empty buckets, each read one by one (some 8 000 queries after every
   * first start).
   */
  public Future<Instant> firstWalkFrom(Instant now, Duration skew, String... tables) {
    // the session's keyspace, as the driver names it in the columns of one of its tables
    return client.execute("SELECT * FROM " + tables[0] + " LIMIT 1")
        .map(rs -> rs.getColumnDefinitions().get(0).getKeyspace().asInternal())
        .compose(keyspace -> client.executeWithFullFetch(SimpleStatement.newInstance(
            "SELECT table_name, id FROM system_schema.tables WHERE keyspace_name = ?", keyspace)))
        .map(rows -> java.util.Arrays.stream(tables)
            .map(table -> rows.stream().filter(r -> table.equals(r.getString("table_name"))).findFirst()
                .map(r -> r.getUuid("id")).orElse(null))
            .map(id -> firstWalkFrom(id, now, FIRST_WALK_LOOKBACK, skew))
            .min(Instant::compareTo).orElseThrow())
        // a table's age unknown: the whole lookback
        .otherwise(e -> firstWalkFrom((UUID) null, now, FIRST_WALK_LOOKBACK, skew));
  }

  /** A table's id is a time-based UUID made when it was created (Cassandra 3.0 on); any other id says nothing. */
  static Instant firstWalkFrom(UUID tableId, Instant now, Duration lookback, Duration skew) {
    Instant earliest = now.minus(lookback);
    if (tableId == null || tableId.version() != 1) {
      return earliest;
    }
    Instant created = Instant.ofEpochMilli(Uuids.unixTimestamp(tableId)).minus(skew);
    return created.isAfter(earliest) ? created : earliest;
  }

  /** Executes a prepared statement and fetches all rows. {@code name} labels the latency metric. */
  public Future<List<Row>> rows(String name, String cql, Object... values) {
    return execute(name, cql, false, values);
  }

  public Future<Row> one(String name, String cql, Object... values) {
    return rows(name, cql, values).map(Cql::first);
  }

  /**
   * A compare-and-set that may or may not have applied: Cassandra said so, the driver stopped waiting, or the node
   * coordinating it went away after it was sent (a compare-and-set is not retried on another node by the driver).
   */
  public static boolean unknownOutcome(Throwable e) {
    return e instanceof CASWriteUnknownException || e instanceof DriverTimeoutException
        || e instanceof ClosedConnectionException || e instanceof HeartbeatException
        || e instanceof WriteTimeoutException timeout && timeout.getWriteType() == WriteType.CAS;
  }

  /**
   * A compare-and-set whose outcome is unknown ({@link #unknownOutcome}) is settled before anyone is told anything:
   * {@code readBack} reads the row (with {@link #serialOne}) and answers what the statement would have answered. When
   * the row cannot tell (it fails, e.g. no row at all), the original failure stands, as a 503/504 problem.
   */
  public static <T> Future<T> settled(Future<T> compareAndSet, java.util.function.Supplier<Future<T>> readBack) {
    return compareAndSet.recover(e -> !unknownOutcome(e) ? Future.failedFuture(e)
        : readBack.get().recover(unsettled -> Future.failedFuture(e)));
  }

  /**
   * Reads one row at the serial consistency ({@code cassandra.serial-consistency}): what a compare-and-set whose
   * outcome was unknown really did, once any Paxos round in flight on the row has been finished.
   */
  public Future<Row> serialOne(String name, String cql, Object... values) {
    return execute(name, cql, true, values).map(Cql::first);
  }

  private static Row first(List<Row> rows) {
    return rows.isEmpty() ? null : rows.get(0);
  }

  private Future<List<Row>> execute(String name, String cql, boolean serial, Object... values) {
    java.util.function.Supplier<Future<List<Row>>> run = () -> bind(cql, values)
        .compose(statement -> timed(name, client.executeWithFullFetch(
            serial ? statement.setExecutionProfileName(SERIAL_READ) : statement)));
    if (breaker == null) {
      return run.get();
    }
    return breaker.execute(run)
        .recover(e -> Future.failedFuture(e instanceof OpenCircuitException
            ? ProblemException.unavailable("The database is not answering right now; try again shortly") : e));
  }

  /**
   * Whether running the statement twice does what running it once does. The driver retries only those on another
   * node when the one it asked fails or dies mid-request; the others fail for the caller to settle (a
   * compare-and-set is read back, see {@code Reservations}). Reads, and writes of given values, are; conditional
   * writes and increments (counters, list appends) are not.
   */
  static boolean idempotent(String cql) {
    String upper = cql.toUpperCase(java.util.Locale.ROOT);
    return upper.startsWith("SELECT") || !upper.contains(" IF ") && !INCREMENT.matcher(cql).find();
  }

  public Future<Void> run(String name, String cql, Object... values) {
    return rows(name, cql, values).mapEmpty();
  }

  /** A lightweight transaction: the first row's {@code [applied]} column, plus the row for the current values. */
  public Future<Row> conditional(String name, String cql, Object... values) {
    return rows(name, cql, values).map(rows -> rows.get(0));
  }

  /**
   * Schema statements: plain, not prepared (DDL), idempotent by {@code IF NOT EXISTS}; answered once every node has
   * them (see {@link #awaitAgreement}).
   */
  public Future<Void> ddl(List<String> statements) {
    Future<Void> chain = Future.succeededFuture();
    for (String statement : statements) {
      chain = chain.compose(v -> schemaChange(statement, DDL_TRIES));
    }
    return chain.compose(v -> awaitAgreement(AGREEMENT_TRIES));
  }

  /** Adds a column to an existing table; nothing to do when it is there already. */
  public Future<Void> addColumn(String table, String column, String type) {
    return schemaChange("ALTER TABLE " + table + " ADD " + column + " " + type, DDL_TRIES)
        .recover(e -> String.valueOf(e.getMessage()).contains("already exist")
            || String.valueOf(e.getMessage()).contains("conflicts with an existing column")
            ? Future.succeededFuture() : Future.failedFuture(e))
        .compose(v -> awaitAgreement(AGREEMENT_TRIES));
  }

  /**
   * One schema change, given {@link #DDL_TIMEOUT} rather than a query's timeout: on a busy cluster of several nodes
   * each change is flushed by every node, and a start-up that gave up on one after 10 s died. A change whose answer
   * still did not come may or may not have been made: once the nodes agree again, it is sent again (a table or
   * column that is there by then is no error).
   */
  private Future<Void> schemaChange(String statement, int triesLeft) {
    return client.execute(SimpleStatement.newInstance(statement).setTimeout(DDL_TIMEOUT)).<Void>mapEmpty()
        .recover(e -> {
          if (!(e instanceof DriverTimeoutException) || triesLeft <= 1) {
            return Future.failedFuture(e);
          }
          LOG.warn("No answer to a schema change within {} s; sending it again once the nodes agree: {}",
              DDL_TIMEOUT.toSeconds(), statement.strip().lines().findFirst().orElse(""));
          return awaitAgreement(AGREEMENT_TRIES).compose(v -> schemaChange(statement, triesLeft - 1));
        });
  }

  /**
   * Once every live node has the same schema. The driver's own check after a schema change reads the nodes'
   * versions from one node's view of its peers, which lags on a busy cluster: a table just created could then be
   * unknown to the node the next statement goes to ("table does not exist"). This asks each node itself, every
   * 500 ms for up to a minute.
   */
  private Future<Void> awaitAgreement(int triesLeft) {
    return client.metadata().compose(metadata -> Future.all(metadata.getNodes().values().stream()
            .filter(node -> node.getState() == com.datastax.oss.driver.api.core.metadata.NodeState.UP)
            .map(node -> client.executeWithFullFetch(com.datastax.oss.driver.api.core.cql.SimpleStatement
                .newInstance("SELECT schema_version FROM system.local").setNode(node)))
            .toList()))
        .compose(answers -> {
          long versions = answers.<List<Row>>list().stream().map(rows -> rows.get(0).getUuid(0)).distinct().count();
          if (versions <= 1) {
            return Future.succeededFuture();
          }
          if (triesLeft <= 0) {
            return Future.failedFuture(new IllegalStateException("The Cassandra nodes did not agree on the schema"));
          }
          io.vertx.core.Promise<Void> later = io.vertx.core.Promise.promise();
          Runnable again = () -> awaitAgreement(triesLeft - 1).onComplete(later);
          io.vertx.core.Context context = Vertx.currentContext();
          if (context != null) {
            context.owner().setTimer(500, id -> again.run());
          } else { // an operator command's main thread
            java.util.concurrent.CompletableFuture.delayedExecutor(500, java.util.concurrent.TimeUnit.MILLISECONDS)
                .execute(again);
          }
          return later.future();
        });
  }

  /**
   * Binds to the statement prepared once per process. The cache holds statements, not futures: a future's callbacks
   * run on the context that created it, so a cached future would move every later request's continuation onto the
   * first caller's event loop, and out of its trace.
   */
  private Future<BoundStatement> bind(String cql, Object... values) {
    Prepared known = prepared.get(cql);
    if (known != null) {
      return Future.succeededFuture(known.bind(values));
    }
    // first use (or after a failed prepare, e.g. Cassandra was down): two requests may both prepare; harmless
    return client.prepare(cql).map(ps -> prepared.computeIfAbsent(cql, c -> new Prepared(ps, idempotent(c)))
        .bind(values));
  }

  private record Prepared(PreparedStatement statement, boolean idempotent) {
    BoundStatement bind(Object... values) {
      return statement.bind(values).setIdempotent(idempotent);
    }
  }

  private <T> Future<T> timed(String name, Future<T> execution) {
    Timer timer = timers.computeIfAbsent(name, n -> Timer.builder("cassandra_query_duration")
        .description("Latency of Cassandra queries, by query")
        .tag("query", n)
        .publishPercentileHistogram()
        .register(registry));
    long start = System.nanoTime();
    return execution.andThen(ar -> timer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS));
  }
}
