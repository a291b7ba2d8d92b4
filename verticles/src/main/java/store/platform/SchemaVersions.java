package store.platform;

import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings each owner's tables up to date once per cluster, before any service starts: the fingerprint of what was
 * applied is kept in {@code schema_versions}, so a restart with nothing new runs no DDL at all (one read), and when
 * something changed, one process applies it under a lease in {@code schema_leases} while the others wait for the
 * fingerprint to appear instead of racing the same DDL.
 */
public final class SchemaVersions {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaVersions.class);
  static final List<String> OWN_TABLES = List.of(
      "CREATE TABLE IF NOT EXISTS schema_versions (owner text PRIMARY KEY, fingerprint text, applied_at timestamp)",
      "CREATE TABLE IF NOT EXISTS schema_leases (owner text PRIMARY KEY, holder text)");
  private static final int LEASE_SECONDS = 120;
  private static final long WAIT_MS = 250;

  private final Vertx vertx;
  private final Cql cql;
  private final String holder;
  private final long deadlineMillis;

  private SchemaVersions(Vertx vertx, Cql cql, String holder, long patienceMillis) {
    this.vertx = vertx;
    this.cql = cql;
    this.holder = holder;
    this.deadlineMillis = System.currentTimeMillis() + patienceMillis;
  }

  /**
   * Applies every schema whose fingerprint the cluster has not recorded, side by side, and answers the owners whose
   * DDL this process ran (empty when everything was current). {@code holder} names this process in the leases.
   */
  public static Future<List<String>> ensure(Vertx vertx, Cql cql, List<Schema> schemas, String holder) {
    return ensure(vertx, cql, schemas, holder, 2L * LEASE_SECONDS * 1000);
  }

  static Future<List<String>> ensure(Vertx vertx, Cql cql, List<Schema> schemas, String holder, long patienceMillis) {
    SchemaVersions versions = new SchemaVersions(vertx, cql, holder, patienceMillis);
    return versions.recorded().compose(recorded -> {
      List<Schema> stale = schemas.stream()
          .filter(s -> !s.fingerprint().equals(recorded.get(s.owner()))).toList();
      List<Future<Boolean>> runs = stale.stream().map(versions::bringUpToDate).toList();
      return Future.all(runs).map(all -> IntStream.range(0, stale.size()).filter(i -> runs.get(i).result())
          .mapToObj(i -> stale.get(i).owner()).toList());
    });
  }

  /**
   * For a service that does not change the schema itself (one service in prod: the schema step does): waits until
   * every schema's fingerprint is recorded, up to {@code waitMillis}, then fails naming what is missing and the
   * command that applies it. A progress line every 10 s while it waits.
   */
  public static Future<Void> verify(Vertx vertx, Cql cql, List<Schema> schemas, String keyspace, long waitMillis) {
    return verify(vertx, cql, schemas, keyspace, System.currentTimeMillis() + waitMillis, 0);
  }

  private static Future<Void> verify(Vertx vertx, Cql cql, List<Schema> schemas, String keyspace, long deadline,
      int attempt) {
    return cql.client().executeWithFullFetch("SELECT owner, fingerprint FROM schema_versions")
        .map(SchemaVersions::byOwner)
        .otherwise(e -> Map.of()) // no bookkeeping table yet: nothing recorded
        .compose(recorded -> {
          List<String> stale = schemas.stream().filter(s -> !s.fingerprint().equals(recorded.get(s.owner())))
              .map(Schema::owner).toList();
          if (stale.isEmpty()) {
            return Future.succeededFuture();
          }
          if (System.currentTimeMillis() > deadline) {
            return Future.failedFuture(new IllegalStateException("The tables of " + String.join(", ", stale)
                + " in keyspace " + keyspace + " are not the ones this version needs, and this service does not"
                + " change the schema itself (one service in prod). Run `java -jar product-store.jar schema` with the"
                + " same CASSANDRA_* settings first (compose's schema step, the k8s store-schema Job), or set"
                + " SCHEMA_MIGRATE=true"));
          }
          if (attempt % 10 == 0) {
            LOG.info("Waiting for the schema step: {} not current in keyspace {}", stale, keyspace);
          }
          Promise<Void> next = Promise.promise();
          vertx.setTimer(1000, t -> verify(vertx, cql, schemas, keyspace, deadline, attempt + 1).onComplete(next));
          return next.future();
        });
  }

  /**
   * The keyspace and every table of {@code schemas}, with the columns added since, as one cqlsh-style script: what a
   * new embedded node applies as a single schema change before it opens CQL. The usual {@link #ensure} still runs
   * after it (its DDL then changes nothing) and records the fingerprints, so the script needs no bookkeeping of its
   * own and a node that could not apply it gets the same tables from {@link #ensure}.
   */
  public static List<String> initialScript(String keyspace, String replication, List<Schema> schemas) {
    List<String> script = new ArrayList<>();
    script.add("CREATE KEYSPACE IF NOT EXISTS " + keyspace + " WITH replication = " + replication);
    script.add("USE " + keyspace);
    script.addAll(OWN_TABLES);
    for (Schema schema : schemas) {
      script.addAll(schema.statements());
      schema.columns().forEach(c -> script.add("ALTER TABLE " + c.table() + " ADD IF NOT EXISTS " + c.column() + " "
          + c.type()));
    }
    return script;
  }

  /** owner → fingerprint; the bookkeeping tables are created on a cluster that has none yet. */
  private Future<Map<String, String>> recorded() {
    return cql.client().executeWithFullFetch("SELECT owner, fingerprint FROM schema_versions")
        .recover(e -> e instanceof InvalidQueryException // unconfigured table: a new keyspace
            ? cql.ddl(OWN_TABLES).compose(v -> cql.client().executeWithFullFetch(
                "SELECT owner, fingerprint FROM schema_versions"))
            : Future.failedFuture(e))
        .map(SchemaVersions::byOwner);
  }

  private static Map<String, String> byOwner(List<Row> rows) {
    Map<String, String> recorded = new HashMap<>();
    rows.forEach(r -> recorded.put(r.getString("owner"), r.getString("fingerprint")));
    return recorded;
  }

  /** True when this process applied the schema, false when another one did while this one waited. */
  private Future<Boolean> bringUpToDate(Schema schema) {
    return cql.conditional("schema.lease-take", "INSERT INTO schema_leases (owner, holder) VALUES (?, ?) "
            + "IF NOT EXISTS USING TTL " + LEASE_SECONDS, schema.owner(), holder)
        .compose(lease -> lease.getBoolean(0) ? apply(schema) : waitFor(schema, lease.getString("holder")));
  }

  private Future<Boolean> apply(Schema schema) {
    long began = System.nanoTime();
    return schema.applyTo(cql)
        .compose(v -> cql.run("schema.record", "INSERT INTO schema_versions (owner, fingerprint, applied_at) "
            + "VALUES (?, ?, ?)", schema.owner(), schema.fingerprint(), Instant.now()))
        .eventually(() -> cql.conditional("schema.lease-drop", "DELETE FROM schema_leases WHERE owner = ? "
            + "IF holder = ?", schema.owner(), holder))
        .onSuccess(v -> LOG.info("Schema of {} brought up to date in {} ms", schema.owner(),
            (System.nanoTime() - began) / 1_000_000))
        .map(true);
  }

  /** Another process holds the lease: wait until its fingerprint is recorded, or its lease lapses (then take it). */
  private Future<Boolean> waitFor(Schema schema, String otherHolder) {
    if (System.currentTimeMillis() > deadlineMillis) {
      return Future.failedFuture("the schema of " + schema.owner() + " is still being changed by " + otherHolder
          + "; if that process died, its lease lapses within " + LEASE_SECONDS + " s: start again then");
    }
    Promise<Boolean> next = Promise.promise();
    vertx.setTimer(WAIT_MS, t -> cql.one("schema.version", "SELECT fingerprint FROM schema_versions WHERE owner = ?",
            schema.owner())
        .compose(row -> row != null && schema.fingerprint().equals(row.getString(0)) ? Future.succeededFuture(false)
            : cql.one("schema.lease-holder", "SELECT holder FROM schema_leases WHERE owner = ?", schema.owner())
                .compose(lease -> lease == null ? bringUpToDate(schema) : waitFor(schema, lease.getString(0))))
        .onComplete(next));
    return next.future();
  }
}
