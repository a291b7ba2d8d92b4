package store.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.cassandra.CassandraClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import store.testing.StoreApi;
import store.testing.TestStore;

/**
 * {@code java -jar product-store.jar schema} creates the keyspace and every service's tables in one step (compose's
 * one-shot step, the Kubernetes Job), is idempotent, and waits for Cassandra instead of failing at once.
 */
class SchemaCommandIT {
  private static final Set<String> EVERY_TABLE = Set.of("account_state", "products", "products_by_name",
      "products_by_price", "category_sizes", "stock_reservations", "cart_items", "cart_adds", "recent_views",
      "product_snapshots", "checkouts", "orders", "orders_of_user", "orders_by_day", "order_days", "order_leases",
      "order_timers_by_minute", "notifications_by_minute", "users", "notifications", "reservations_by_minute",
      "catalog_leases", "catalog_progress", "order_intents", "order_progress", "schema_versions", "schema_leases");

  private static Map.Entry<Integer, String> schema(Map<String, String> env) throws Exception {
    return command("schema", env);
  }

  private static Map.Entry<Integer, String> command(String command, Map<String, String> env) throws Exception {
    Path out = Files.createTempFile(command, ".log");
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", TestStore.fatJar().toString(), command).redirectErrorStream(true).redirectOutput(out.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("schema returns").isTrue();
    return Map.entry(process.exitValue(), Files.readString(out));
  }

  private static Set<String> tables(String keyspace) throws Exception {
    CassandraClient client = TestStore.cql().client();
    return StoreApi.await(client.executeWithFullFetch(
            "SELECT table_name FROM system_schema.tables WHERE keyspace_name = '" + keyspace + "'"))
        .stream().map(row -> row.getString("table_name")).collect(Collectors.toSet());
  }

  @Test
  void oneStepCreatesEveryServicesTablesAndARerunChangesNothing() throws Exception {
    TestStore.cassandra();
    String keyspace = "schema_it_" + System.currentTimeMillis() % 100000;
    Map<String, String> env = Map.of("CASSANDRA_HOST", "127.0.0.1",
        "CASSANDRA_PORT", Integer.toString(TestStore.CASSANDRA_PORT), "CASSANDRA_KEYSPACE", keyspace);
    assertThat(tables(keyspace)).isEmpty();

    Map.Entry<Integer, String> first = schema(env);
    assertThat(first.getKey()).as(first.getValue()).isZero();
    assertThat(first.getValue()).contains("agreed by every node")
        .contains("applied: platform, catalog, cart, order, user");
    assertThat(tables(keyspace)).containsExactlyInAnyOrderElementsOf(EVERY_TABLE);

    Map.Entry<Integer, String> again = schema(env);
    assertThat(again.getKey()).as(again.getValue()).isZero();
    assertThat(again.getValue()).as("a rerun finds every fingerprint current: no DDL").contains("already current");
    assertThat(tables(keyspace)).containsExactlyInAnyOrderElementsOf(EVERY_TABLE);

    // check-stock on the same keyspace: balanced books exit 0; a product whose stock went missing exits 1, named
    Map.Entry<Integer, String> balanced = command("check-stock", env);
    assertThat(balanced.getKey()).as(balanced.getValue()).isZero();
    assertThat(balanced.getValue()).contains("\"ok\" : true");
    UUID lost = UUID.randomUUID();
    StoreApi.await(TestStore.cql().client().execute("INSERT INTO " + keyspace + ".products (product_id, name, "
        + "stock_count, stock_total) VALUES (" + lost + ", 'Lost', 4, 5)"));
    Map.Entry<Integer, String> unbalanced = command("check-stock", env);
    assertThat(unbalanced.getKey()).as(unbalanced.getValue()).isEqualTo(1);
    assertThat(unbalanced.getValue()).contains(lost.toString()).contains("5 != 4 + 0");
  }

  @Test
  void noCassandraWithinTheWaitIsAClearFailure() throws Exception {
    Map.Entry<Integer, String> result = schema(Map.of("CASSANDRA_HOST", "127.0.0.1", "CASSANDRA_PORT", "9",
        "CASSANDRA_WAIT_SECONDS", "2"));
    assertThat(result.getKey()).isEqualTo(1);
    assertThat(result.getValue()).contains("did not answer within 2 s").doesNotContain("\tat ");
    assertThat(List.of(result.getValue().split("\n"))).hasSizeLessThan(10);
  }
}
