package store.launcher;

import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import store.cart.CartAdministration;
import store.catalog.CatalogBulkLoad;
import store.platform.Accounts;
import store.platform.CassandraSessions;
import store.platform.Cql;
import store.platform.SchemaVersions;
import store.platform.StoreConfig;
import store.user.UserAdministration;

/**
 * The operator's account commands: {@code grant-admin}, {@code revoke-admin}, {@code delete-user}. They reach
 * Cassandra with the store's own configuration (the embedded node under {@code ./data} when no CASSANDRA_HOST is
 * set), change the account, and exit. Roles are granted here, never chosen at registration.
 */
final class Operator {
  static final Set<String> COMMANDS = Set.of("grant-admin", "revoke-admin", "delete-user");

  private Operator() {
  }

  /** Answers the process exit code. */
  static int run(String command, String username) {
    if (username == null || username.isBlank()) {
      System.err.println("Usage: java -jar product-store.jar " + command + " USERNAME");
      return 2;
    }
    return againstCassandra(command + " " + username, store -> {
      UserAdministration accounts = new UserAdministration(store.cql(), new Accounts(store.cql(), 0));
      return (switch (command) {
        case "grant-admin" -> accounts.setAdmin(username, true);
        case "revoke-admin" -> accounts.setAdmin(username, false);
        default -> accounts.delete(username, () -> new CartAdministration(store.cql()).forget(username));
      }).map(v -> switch (command) {
        case "grant-admin" -> username + " is now an admin; earlier tokens are revoked";
        case "revoke-admin" -> username + " is no longer an admin; earlier tokens are revoked";
        default -> username + " is deleted: its tokens no longer work, its cart and recent views are erased, its "
            + "orders are kept, and the name cannot be registered again";
      });
    });
  }

  /** {@code load-products N}: N generated products in 10 categories, for benchmarks (bench/catalog-size-bench.sh). */
  static int loadProducts(String count) {
    if (count == null || !count.matches("\\d{1,9}")) {
      System.err.println("Usage: java -jar product-store.jar load-products COUNT");
      return 2;
    }
    long began = System.nanoTime();
    return againstCassandra("load-products " + count, store -> CatalogBulkLoad.load(store.cql(),
        Integer.parseInt(count), 10, 64).map(n -> n + " products written in "
            + (System.nanoTime() - began) / 1_000_000 + " ms"));
  }

  /**
   * What an operator command works with: the store's configuration, a session on its keyspace, and the owners whose
   * tables the command's first step had to create or change (empty when the schema was current).
   */
  record Store(Vertx vertx, JsonObject config, CassandraClient cassandra, Cql cql, List<String> schemaApplied) {
  }

  /**
   * Runs an operator command against the store's Cassandra (the embedded node under ./data when none is configured,
   * started for the command and stopped after it), prints what it answers, and closes everything. Answers the exit
   * code: 0, or 1 with the reason on stderr.
   */
  static int againstCassandra(String what, Function<Store, Future<String>> work) {
    Vertx vertx = Vertx.vertx();
    EmbeddedCluster node = null;
    try {
      JsonObject config = Main.await(StoreConfig.load(vertx));
      node = Main.embeddedIfNeeded(config, Main.schemas(Topology.modules("all")));
      Main.awaitCassandra(config);
      CassandraClient cassandra = Main.await(CassandraSessions.open(vertx, config));
      Cql cql = new Cql(cassandra, new SimpleMeterRegistry());
      // every command finds the tables it works on: the same once-per-cluster step the services' start takes
      // no five-minute cap here: loading a million products into a node that syncs its commit log takes longer
      System.out.println(Main.await(SchemaVersions.ensure(vertx, cql, Main.schemas(Topology.modules("all")),
              "operator-" + UUID.randomUUID())
          .compose(applied -> work.apply(new Store(vertx, config, cassandra, cql, applied)))
          .eventually(cassandra::close), java.time.Duration.ofHours(12)));
      return 0;
    } catch (Exception e) {
      // the exception's type as well: a driver's timeout or a closed connection has no message of its own
      System.err.println(what + " failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      return 1;
    } finally {
      vertx.close();
      if (node != null && node.startedHere()) {
        node.close();
      }
    }
  }
}
