package store.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.metadata.Node;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import store.testing.StoreProcess;

/**
 * The launcher's own local cluster, as the configuration guide tells a user to try the cluster profile on one machine
 * ({@code CASSANDRA_NODES=3} with NetworkTopologyStrategy, RF 3, LOCAL_QUORUM): on a first start node 1 takes the
 * whole schema as one change before it opens CQL, nodes 2 and 3 learn it from node 1, every node then has every
 * table, and the store serves. A SIGTERM to the launcher stops the three nodes.
 */
class DevClusterIT {
  private static final int CQL_PORT = 9842;
  private static final int HTTP_PORT = 18893;
  private static final String ADMIN = "dev_cluster_admin";
  private static final String ADMIN_PASSWORD = "dev-cluster-admin-password";
  private Path workDir;
  private StoreProcess store;

  @AfterEach
  void cleanUp() throws Exception {
    if (store != null) {
      store.close();
    }
    if (workDir != null && !Boolean.getBoolean("keep.it.dirs")) {
      try (var paths = Files.walk(workDir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static List<String> addresses() {
    return IntStream.rangeClosed(1, 3).mapToObj(n -> "127.0.0." + n).toList();
  }

  @Test
  void aFirstStartHandsNodeOneTheSchemaAndEveryNodeHasEveryTable() throws Exception {
    for (String address : addresses()) {
      assertThat(EmbeddedCassandra.answers(address, CQL_PORT)).as("port %d of %s is free", CQL_PORT, address)
          .isFalse();
    }
    workDir = Files.createTempDirectory("store-dev-cluster-it");
    store = new StoreProcess("all", HTTP_PORT, Map.ofEntries(Map.entry("CASSANDRA_NODES", "3"),
        Map.entry("CASSANDRA_PORT", Integer.toString(CQL_PORT)),
        Map.entry("CASSANDRA_REPLICATION", "NetworkTopologyStrategy"), Map.entry("CASSANDRA_REPLICATION_FACTOR", "3"),
        Map.entry("CASSANDRA_CONSISTENCY", "LOCAL_QUORUM"), Map.entry("CASSANDRA_DATA_DIR", "data"),
        Map.entry("CASSANDRA_LIB", Path.of(System.getProperty("cassandra.lib")).toAbsolutePath().toString()),
        Map.entry("SECRET_KEY", "dev-cluster-it-secret-0123456789abcdef01"), Map.entry("ADMIN_USERNAME", ADMIN),
        Map.entry("ADMIN_PASSWORD", ADMIN_PASSWORD), Map.entry("SAMPLE_DATA", "false"),
        Map.entry("DEMO_USERS", "false")), workDir).start();

    Path nodes = workDir.resolve("data").resolve("cassandra");
    assertThat(Files.readString(nodes.resolve("node1").resolve("node.out"), StandardCharsets.UTF_8))
        .as("node 1 took the schema before it opened CQL").contains("initial schema:")
        .doesNotContain("initial schema not applied");

    try (CqlSession session = CqlSession.builder()
        .addContactPoints(addresses().stream().map(a -> new InetSocketAddress(a, CQL_PORT)).toList())
        .withLocalDatacenter("datacenter1").build()) {
      assertThat(session.getMetadata().getNodes()).hasSize(3);
      Set<String> first = null;
      for (Node node : session.getMetadata().getNodes().values()) {
        Set<String> tables = session.execute(SimpleStatement.newInstance(
                "SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'store'").setNode(node)).all()
            .stream().map(r -> r.getString("table_name")).collect(Collectors.toCollection(TreeSet::new));
        assertThat(tables).as("tables on %s", node.getEndPoint()).contains("products", "orders", "cart_items",
            "users", "schema_versions");
        if (first != null) {
          assertThat(tables).as("the same tables on %s", node.getEndPoint()).isEqualTo(first);
        }
        first = tables;
        Row keyspace = session.execute(SimpleStatement.newInstance("SELECT replication FROM system_schema.keyspaces "
            + "WHERE keyspace_name = 'store'").setNode(node)).one();
        assertThat(keyspace.getMap("replication", String.class, String.class))
            .as("the keyspace as the cluster profile makes it").containsEntry("datacenter1", "3")
            .containsValue("org.apache.cassandra.locator.NetworkTopologyStrategy");
      }
      assertThat(session.checkSchemaAgreement()).as("the three nodes agree").isTrue();
    }

    // the store serves at LOCAL_QUORUM: a product written through it is read back
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + HTTP_PORT;
    HttpResponse<String> token = http.send(HttpRequest.newBuilder(URI.create(base + "/user-api/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("username=" + ADMIN + "&password=" + ADMIN_PASSWORD)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
    String bearer = "Bearer " + new JsonObject(token.body()).getString("access_token");
    HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/api/products/"))
        .header("Authorization", bearer).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Clustered\",\"category\":\"dev-cluster\","
            + "\"price\":2.5,\"stock_count\":3}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = new JsonObject(created.body()).getString("product_id");
    HttpResponse<String> read = http.send(HttpRequest.newBuilder(URI.create(base + "/api/products/" + id))
        .header("Authorization", bearer).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(read.statusCode()).as(read.body()).isEqualTo(200);

    assertThat(store.stop()).as("a clean stop").isZero();
    store = null;
    for (String address : addresses()) {
      assertThat(EmbeddedCassandra.answers(address, CQL_PORT)).as("%s stopped with the launcher", address).isFalse();
    }
  }
}
