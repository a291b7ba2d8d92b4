package store.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * Which statements the driver may run again on another node when the one it asked dies mid-request, and the
 * keyspace replication the cluster profile asks for. No Cassandra needed.
 */
class CqlIdempotenceTest {

  @Test
  void readsAndPlainWritesAreRetriedConditionalWritesAndIncrementsAreNot() {
    assertThat(Cql.idempotent("SELECT * FROM products WHERE product_id = ?")).isTrue();
    assertThat(Cql.idempotent("INSERT INTO carts (username, product_id, quantity) VALUES (?, ?, ?)")).isTrue();
    assertThat(Cql.idempotent("BEGIN BATCH DELETE FROM products WHERE product_id = ?; APPLY BATCH")).isTrue();
    assertThat(Cql.idempotent("INSERT INTO checkouts (username, idempotency_key) VALUES (?, ?) IF NOT EXISTS"))
        .isFalse();
    assertThat(Cql.idempotent("UPDATE products SET stock_count = ? WHERE product_id = ? IF stock_count = ?"))
        .isFalse();
    assertThat(Cql.idempotent("UPDATE category_sizes SET products = products + ? WHERE shard = 0 AND category = ?"))
        .isFalse();
    assertThat(Cql.idempotent("SELECT * FROM stock_reservations WHERE reservation_id = ?")).isTrue();
  }

  @Test
  void theClusterProfileReplicatesPerDatacenter() {
    JsonObject dev = new JsonObject().put("cassandra", new JsonObject());
    assertThat(CassandraSessions.replication(dev)).isEqualTo("{'class': 'SimpleStrategy', 'replication_factor': 1}");
    JsonObject cluster = new JsonObject().put("cassandra", new JsonObject()
        .put("replication", "NetworkTopologyStrategy").put("replication-factor", 3).put("datacenter", "eu-west"));
    assertThat(CassandraSessions.replication(cluster))
        .isEqualTo("{'class': 'NetworkTopologyStrategy', 'eu-west': 3}");
    JsonObject typo = new JsonObject().put("cassandra", new JsonObject().put("replication", "NetworkTopology"));
    Assertions.assertThatThrownBy(() -> CassandraSessions.replication(typo))
        .hasMessageContaining("CASSANDRA_REPLICATION");
  }
}
