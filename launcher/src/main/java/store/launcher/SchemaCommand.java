package store.launcher;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import store.platform.Accounts;
import store.platform.CassandraSessions;
import store.platform.Cql;
import store.platform.ServiceModule;
import store.platform.StoreConfig;

/**
 * {@code java -jar product-store.jar schema}: the keyspace and every service's tables, created once by one process
 * before the services start (compose's one-shot step, a Kubernetes job), then a wait until every Cassandra node
 * reports the same schema version. Services still create what is missing at start, so a laptop needs no such step;
 * on a cluster this keeps many processes from racing the same DDL.
 */
final class SchemaCommand {
  private static final long AGREEMENT_MS = 60_000;

  private SchemaCommand() {
  }

  /** Answers the process exit code. */
  static int run() {
    Vertx vertx = Vertx.vertx();
    EmbeddedCassandra node = null;
    try {
      JsonObject config = Main.await(StoreConfig.load(vertx));
      node = Main.embeddedIfNeeded(config);
      Main.awaitCassandra(config);
      CassandraClient cassandra = Main.await(CassandraSessions.open(vertx, config)); // creates the keyspace
      Cql cql = new Cql(cassandra, new SimpleMeterRegistry());
      Future<Void> tables = new Accounts(cql, 0).createSchema();
      for (ServiceModule module : Topology.modules("all")) {
        tables = tables.compose(v -> module.createSchema(cql));
      }
      String keyspace = StoreConfig.string(config, "cassandra.keyspace", "store");
      long deadline = System.currentTimeMillis() + AGREEMENT_MS;
      Set<String> created = Main.await(tables.compose(v -> agreement(vertx, cassandra, deadline))
          .compose(v -> cassandra.executeWithFullFetch(
              "SELECT table_name FROM system_schema.tables WHERE keyspace_name = '" + keyspace + "'"))
          .map(rows -> rows.stream().map(r -> r.getString("table_name")).collect(Collectors.toCollection(
              java.util.TreeSet::new)))
          .eventually(cassandra::close));
      System.out.println("Schema of keyspace " + keyspace + " ready, agreed by every node: " + created.size()
          + " tables " + created);
      return 0;
    } catch (Exception e) {
      System.err.println("schema failed: " + e.getMessage());
      return 1;
    } finally {
      vertx.close();
      if (node != null && node.startedHere()) {
        node.close();
      }
    }
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
