package store.launcher;

import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import store.platform.StoreConfig;

/**
 * {@code java -jar product-store.jar schema}: the keyspace and every service's tables, brought up to date by one
 * process before the services start (compose's one-shot step, a Kubernetes job), then a wait until every Cassandra
 * node reports the same schema version. A service's start takes the same step ({@link store.platform.SchemaVersions}:
 * one read when nothing changed, a lease when something did), so a laptop needs no such command; on a cluster it
 * keeps the first DDL of a new keyspace out of the services' start.
 */
final class SchemaCommand {
  private static final long AGREEMENT_MS = 60_000;

  private SchemaCommand() {
  }

  /** Answers the process exit code. */
  static int run() {
    return Operator.againstCassandra("schema", store -> {
      // (the tables are brought up to date by Operator before this runs)
      String keyspace = StoreConfig.string(store.config(), "cassandra.keyspace", "store");
      long deadline = System.currentTimeMillis() + AGREEMENT_MS;
      return agreement(store.vertx(), store.cassandra(), deadline)
          .compose(v -> store.cassandra().executeWithFullFetch(
              "SELECT table_name FROM system_schema.tables WHERE keyspace_name = '" + keyspace + "'"))
          .map(rows -> rows.stream().map(r -> r.getString("table_name"))
              .collect(Collectors.toCollection(java.util.TreeSet::new)))
          .map(created -> "Schema of keyspace " + keyspace + " ready ("
              + (store.schemaApplied().isEmpty() ? "already current"
                  : "applied: " + String.join(", ", store.schemaApplied())) + "), agreed by every node: "
              + created.size() + " tables " + created);
    });
  }

  /** Every node reports the same schema version (system.local and system.peers), or a failure at the deadline. */
  static Future<Void> agreement(Vertx vertx, CassandraClient cassandra, long deadlineMillis) {
    return cassandra.executeWithFullFetch("SELECT schema_version FROM system.local")
        .compose(local -> cassandra.executeWithFullFetch("SELECT schema_version FROM system.peers")
            .map(peers -> {
              Set<UUID> versions = new java.util.HashSet<>();
              local.forEach(r -> versions.add(r.getUuid("schema_version")));
              peers.forEach(r -> versions.add(r.getUuid("schema_version")));
              return versions.size();
            }))
        .compose(distinct -> {
          if (distinct == 1) {
            return Future.succeededFuture();
          }
          if (System.currentTimeMillis() > deadlineMillis) {
            return Future.failedFuture("the nodes do not agree on the schema (" + distinct + " versions) after "
                + AGREEMENT_MS / 1000 + " s");
          }
          Promise<Void> retry = Promise.promise();
          vertx.setTimer(500, t -> agreement(vertx, cassandra, deadlineMillis).onComplete(retry));
          return retry.future();
        });
  }
}
