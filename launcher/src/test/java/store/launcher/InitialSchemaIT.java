package store.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import store.platform.CassandraSessions;
import store.platform.Cql;
import store.platform.Schema;
import store.platform.SchemaVersions;
import store.testing.StoreApi;
import store.testing.TestStore;

/**
 * A new embedded node takes the store's keyspace and tables as one schema change before it opens CQL (a first start
 * 4 s shorter), and ends up with exactly the tables, columns and table options that the same schema sent statement
 * by statement over CQL gives; the store's schema step then records it as on any node, and the walks over minute
 * buckets that find no progress recorded start where the new tables were made.
 */
class InitialSchemaIT {
  private static final int CQL_PORT = 9642;
  private static final String KEYSPACE = "store";
  private static final String SCHEMA_OF_KEYSPACE = "SELECT table_name, column_name, kind, position, type, "
      + "clustering_order FROM system_schema.columns WHERE keyspace_name = ?";
  private static final String OPTIONS_OF_KEYSPACE = "SELECT table_name, default_time_to_live, gc_grace_seconds, "
      + "compaction, compression, caching, comment, speculative_retry FROM system_schema.tables "
      + "WHERE keyspace_name = ?";

  // one Vert.x per node: the store's sessions are shared by name within a Vert.x instance
  private final Vertx vertx = Vertx.vertx();
  private final Vertx referenceVertx = Vertx.vertx();
  private EmbeddedCassandra node;
  private Path workDir;

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    referenceVertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    if (node != null) {
      node.close();
    }
    if (workDir != null) {
      try (var paths = Files.walk(workDir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void aNewNodeHasTheWholeSchemaWhenCqlOpensTheSameAsStatementByStatement() throws Exception {
    assertThat(EmbeddedCassandra.answers("127.0.0.1", CQL_PORT)).as("port %d is free", CQL_PORT).isFalse();
    List<Schema> schemas = Main.schemas(Topology.modules("all"));

    // the reference: the same schemas sent over CQL one statement at a time, into a new keyspace of the test node
    TestStore.cassandra();
    String reference = "initial_it_" + System.currentTimeMillis() % 100000;
    CassandraClient byStatements = StoreApi.await(CassandraSessions.open(referenceVertx,
        settings(TestStore.CASSANDRA_PORT, reference)));
    StoreApi.await(SchemaVersions.ensure(referenceVertx, new Cql(byStatements, new SimpleMeterRegistry()), schemas,
        "initial-schema-it"));

    workDir = Files.createTempDirectory("store-initial-schema-it");
    node = new EmbeddedCassandra(Path.of(System.getProperty("cassandra.lib")).toAbsolutePath(),
        workDir.resolve("cassandra"), CQL_PORT, "384M", line -> System.out.println("[initial-schema] " + line))
        .withInitialSchema(SchemaVersions.initialScript(KEYSPACE, CassandraSessions.replication(new JsonObject()),
            schemas))
        .start(Duration.ofMinutes(3));
    assertThat(node.schemaHandedOver()).isTrue();
    assertThat(workDir.resolve("cassandra/initial-schema.cql")).as("the node consumed its script").doesNotExist();

    // before the store has sent any DDL: the keyspace and every table are there, as the statements would make them
    CassandraClient onNewNode = StoreApi.await(CassandraSessions.open(vertx, settings(CQL_PORT, KEYSPACE)));
    Map<String, String> columns = describe(onNewNode, SCHEMA_OF_KEYSPACE, KEYSPACE);
    assertThat(columns).containsKeys("products.product_id", "stock_reservations.claim_id", "account_state.deleted",
        "schema_versions.fingerprint");
    assertThat(columns).isEqualTo(describe(byStatements, SCHEMA_OF_KEYSPACE, reference));
    assertThat(describe(onNewNode, OPTIONS_OF_KEYSPACE, KEYSPACE))
        .isEqualTo(describe(byStatements, OPTIONS_OF_KEYSPACE, reference));

    // the store's schema step on it: every owner recorded, its DDL a no-op, and a second run finds it current
    Cql cql = new Cql(onNewNode, new SimpleMeterRegistry());
    assertThat(StoreApi.await(SchemaVersions.ensure(vertx, cql, schemas, "initial-schema-it")))
        .containsExactlyElementsOf(schemas.stream().map(Schema::owner).toList());
    assertThat(StoreApi.await(SchemaVersions.ensure(vertx, cql, schemas, "initial-schema-it"))).isEmpty();
    assertThat(describe(onNewNode, SCHEMA_OF_KEYSPACE, KEYSPACE)).isEqualTo(columns);

    // tables made just now: a first walk over their minute buckets starts minutes ago, not a day ago
    Instant now = Instant.now();
    assertThat(StoreApi.await(cql.firstWalkFrom(now, Duration.ofMinutes(2), "reservations_by_minute",
        "order_intents"))).isBetween(now.minus(Duration.ofMinutes(5)), now);
  }

  private static JsonObject settings(int port, String keyspace) {
    return new JsonObject().put("cassandra", new JsonObject().put("host", "127.0.0.1").put("port", port)
        .put("keyspace", keyspace));
  }

  /** Every row of a system_schema query on the keyspace, by table (and column), as text. */
  private static Map<String, String> describe(CassandraClient client, String query, String keyspace)
      throws Exception {
    Map<String, String> rows = new TreeMap<>();
    StoreApi.await(client.executeWithFullFetch(
            SimpleStatement.newInstance(query, keyspace)))
        .forEach(row -> {
          StringBuilder values = new StringBuilder();
          for (int i = 1; i < row.getColumnDefinitions().size(); i++) {
            values.append(row.getColumnDefinitions().get(i).getName()).append('=').append(row.getObject(i))
                .append(' ');
          }
          String key = row.getString("table_name")
              + (row.getColumnDefinitions().contains("column_name") ? "." + row.getString("column_name") : "");
          rows.put(key, values.toString());
        });
    return rows;
  }
}
