package store.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import store.platform.StoreConfig;

/** A service started before its Cassandra waits for it, within a bound, instead of dying at once. */
class CassandraWaitTest {
  private static JsonObject config(int port, int waitSeconds) {
    JsonObject config = StoreConfig.packagedDefaults();
    StoreConfig.put(config, "cassandra.host", "127.0.0.1");
    StoreConfig.put(config, "cassandra.port", port);
    StoreConfig.put(config, "cassandra.wait-seconds", waitSeconds);
    return config;
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Test
  void aCassandraThatComesUpWhileWaitingIsUsed() throws Exception {
    int port = freePort();
    CompletableFuture<ServerSocket> later = CompletableFuture.supplyAsync(() -> {
      try {
        Thread.sleep(1500);
        return new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    try {
      Main.awaitCassandra(config(port, 30));
      assertThat(later.isDone()).as("returned only once the port answered").isTrue();
    } finally {
      later.get(5, TimeUnit.SECONDS).close();
    }
  }

  @Test
  void noCassandraWithinTheBoundIsAClearError() throws Exception {
    int port = freePort();
    assertThatThrownBy(() -> Main.awaitCassandra(config(port, 1)))
        .hasMessageContaining("127.0.0.1:" + port).hasMessageContaining("CASSANDRA_WAIT_SECONDS");
  }
}
