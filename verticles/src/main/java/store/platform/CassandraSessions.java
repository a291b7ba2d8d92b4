package store.platform;

import com.datastax.oss.driver.api.core.InvalidKeyspaceException;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import io.vertx.cassandra.CassandraClient;
import io.vertx.cassandra.CassandraClientOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.tracing.TracingPolicy;
import java.time.Duration;
import java.util.List;

/**
 * Opens the one Cassandra session of a process: makes sure the keyspace exists, then shares a client bound to it.
 * Replication and consistency come from configuration (SimpleStrategy, RF 1 and LOCAL_ONE for dev;
 * NetworkTopologyStrategy, RF 3 and LOCAL_QUORUM for a cluster).
 */
public final class CassandraSessions {
  private CassandraSessions() {
  }

  public static Future<CassandraClient> open(Vertx vertx, JsonObject config) {
    return open(vertx, config, false);
  }

  /** As {@link #open(Vertx, JsonObject)}; {@code newCluster}: the keyspace cannot exist yet (a new embedded node). */
  public static Future<CassandraClient> open(Vertx vertx, JsonObject config, boolean newCluster) {
    String keyspace = StoreConfig.string(config, "cassandra.keyspace", "store");
    if (newCluster) {
      return createKeyspace(vertx, config, keyspace)
          .map(v -> CassandraClient.createShared(vertx, "store", options(config, keyspace)));
    }
    // the session is bound to the keyspace from its start (the driver's way; a USE at run time is one it warns
    // against). The keyspace usually exists (every start but the first): try that first, so a restart opens one
    // driver session, not two
    CassandraClient client = CassandraClient.createShared(vertx, "store", options(config, keyspace));
    return client.execute("SELECT release_version FROM system.local").map(rs -> client)
        .recover(e -> !missingKeyspace(e) ? Future.failedFuture(e)
            : client.close().compose(v -> createKeyspace(vertx, config, keyspace))
                .map(v -> CassandraClient.createShared(vertx, "store", options(config, keyspace))));
  }

  private static Future<Void> createKeyspace(Vertx vertx, JsonObject config, String keyspace) {
    CassandraClient bootstrap = CassandraClient.create(vertx, options(config, null));
    return bootstrap.execute("CREATE KEYSPACE IF NOT EXISTS " + keyspace + " WITH replication = " + replication(config))
        .<Void>mapEmpty().andThen(done -> bootstrap.close()); // closes in the background: the start goes on
  }

  /** The keyspace's replication map, from {@code cassandra.replication} and {@code cassandra.replication-factor}. */
  public static String replication(JsonObject config) {
    int rf = StoreConfig.integer(config, "cassandra.replication-factor", 1);
    String strategy = StoreConfig.string(config, "cassandra.replication", "SimpleStrategy");
    return switch (strategy) {
      case "SimpleStrategy" -> "{'class': 'SimpleStrategy', 'replication_factor': " + rf + "}";
      case "NetworkTopologyStrategy" -> "{'class': 'NetworkTopologyStrategy', '"
          + StoreConfig.string(config, "cassandra.datacenter", "datacenter1").replace("'", "''") + "': " + rf + "}";
      default -> throw new IllegalArgumentException("cassandra.replication (CASSANDRA_REPLICATION) must be "
          + "SimpleStrategy or NetworkTopologyStrategy, not " + strategy);
    };
  }

  private static boolean missingKeyspace(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InvalidKeyspaceException) {
        return true;
      }
    }
    return false;
  }

  private static CassandraClientOptions options(JsonObject config, String keyspace) {
    String host = StoreConfig.string(config, "cassandra.host", "127.0.0.1");
    int port = StoreConfig.integer(config, "cassandra.port", 9042);
    CassandraClientOptions options = new CassandraClientOptions();
    for (String h : host.split(",")) {
      options.addContactPoint(h.trim(), port);
    }
    String username = StoreConfig.string(config, "cassandra.username", "");
    if (!username.isEmpty()) {
      options.dataStaxClusterBuilder().withAuthCredentials(username,
          StoreConfig.string(config, "cassandra.password", ""));
    }
    if (StoreConfig.bool(config, "cassandra.ssl", false)) {
      try {
        // the JVM's trust store (javax.net.ssl.trustStore), as operators already configure for other TLS clients
        options.dataStaxClusterBuilder().withSslContext(javax.net.ssl.SSLContext.getDefault());
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("No TLS available for CASSANDRA_SSL", e);
      }
    }
    String serial = StoreConfig.string(config, "cassandra.serial-consistency", "LOCAL_SERIAL");
    if (!serial.equals("SERIAL") && !serial.equals("LOCAL_SERIAL")) {
      throw new IllegalArgumentException("cassandra.serial-consistency (CASSANDRA_SERIAL_CONSISTENCY) must be SERIAL "
          + "or LOCAL_SERIAL, not " + serial);
    }
    options.dataStaxClusterBuilder()
        .withLocalDatacenter(StoreConfig.string(config, "cassandra.datacenter", "datacenter1"))
        .withConfigLoader(DriverConfigLoader.programmaticBuilder()
            .withString(DefaultDriverOption.REQUEST_CONSISTENCY,
                StoreConfig.string(config, "cassandra.consistency", "LOCAL_ONE"))
            .withString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY, serial)
            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10))
            .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(10))
            .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, Duration.ofSeconds(20))
            .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, Duration.ofSeconds(20))
            .withInt(DefaultDriverOption.REQUEST_PAGE_SIZE, 5000)
            // write timestamps from Java's clock (the generator still makes them strictly increasing): the native
            // microsecond clock is reached through JNR, which generates its bindings while the session opens, and
            // a restart's session took 0.8-1.4 s with it, 0.56-0.81 s without
            .withBoolean(DefaultDriverOption.TIMESTAMP_GENERATOR_FORCE_JAVA_CLOCK, true)
            // a node that comes back is asked again within 10 s (the driver's default backs off to 60 s)
            .withDuration(DefaultDriverOption.RECONNECTION_MAX_DELAY, Duration.ofSeconds(10))
            // closing the session waits for its event loops to stay idle for a "quiet period", 2 s by default: two
            // seconds of every stop. It is closed once every request has been answered, so nothing is left to wait
            // for (the shutdown's own timeout still bounds a straggler)
            .withInt(DefaultDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 0)
            .withInt(DefaultDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 0)
            // a DDL statement's answer waits for the driver's schema refresh, which by default gathers events for
            // 1 s: creating the store's 20 tables took 21 s of a first start for that wait alone
            .withDuration(DefaultDriverOption.METADATA_SCHEMA_WINDOW, Duration.ofMillis(20))
            // the driver keeps schema metadata of our keyspace only: on a shared cluster, every other keyspace's
            // DDL would otherwise make every process re-read the whole schema
            .withStringList(DefaultDriverOption.METADATA_SCHEMA_REFRESHED_KEYSPACES,
                List.of(StoreConfig.string(config, "cassandra.keyspace", "store")))
            // reading back a compare-and-set whose outcome is unknown: a serial read finishes any Paxos round in
            // flight for the row first, so it cannot answer "not applied" for a write that lands a moment later
            .startProfile(Cql.SERIAL_READ).withString(DefaultDriverOption.REQUEST_CONSISTENCY, serial).endProfile()
            .build());
    if (keyspace != null) {
      options.setKeyspace(keyspace);
    }
    options.setTracingPolicy(TracingPolicy.PROPAGATE); // a statement run for a traced request is a span of it
    return options;
  }
}
