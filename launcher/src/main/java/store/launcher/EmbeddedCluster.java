package store.launcher;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.metadata.NodeState;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A local Cassandra cluster of N embedded nodes on 127.0.0.1 ... 127.0.0.N (data in {@code baseDir/node1} ...),
 * for trying the cluster profile on one machine and for the node-failure test. The seed (node 1) starts first;
 * the others then start together, as a new cluster's empty members may.
 */
public final class EmbeddedCluster implements AutoCloseable {
  private final List<EmbeddedCassandra> nodes = new ArrayList<>();

  public EmbeddedCluster(Path libDir, Path baseDir, int size, int cqlPort, String heap, Consumer<String> progress) {
    if (size < 1 || size > 9) {
      throw new IllegalArgumentException("An embedded cluster has 1 to 9 nodes, not " + size);
    }
    for (int i = 0; i < size; i++) {
      String name = "node" + (i + 1);
      nodes.add(new EmbeddedCassandra(libDir, baseDir.resolve(name), cqlPort, heap,
          line -> progress.accept("[" + name + "] " + line), i, size));
    }
  }

  /** The single node of dev mode (data directly in its directory, as always), as a cluster of one. */
  public static EmbeddedCluster of(EmbeddedCassandra node) {
    return new EmbeddedCluster(node);
  }

  private EmbeddedCluster(EmbeddedCassandra single) {
    nodes.add(single);
  }

  /**
   * The schema a new cluster's first node applies before it opens CQL ({@link EmbeddedCassandra#withInitialSchema});
   * the others start once it answers and learn the schema from it, and {@link #start} returns when all agree.
   */
  public EmbeddedCluster withInitialSchema(List<String> script) {
    nodes.get(0).withInitialSchema(script);
    return this;
  }

  /** Starts every node (or re-attaches to those already running) and returns once each one answers CQL. */
  public EmbeddedCluster start(Duration timeout) throws Exception {
    nodes.get(0).start(timeout);
    ExecutorService starters = Executors.newFixedThreadPool(Math.max(1, nodes.size() - 1));
    try {
      List<Future<EmbeddedCassandra>> others = new ArrayList<>();
      for (EmbeddedCassandra node : nodes.subList(1, nodes.size())) {
        others.add(starters.submit(() -> node.start(timeout)));
      }
      for (Future<EmbeddedCassandra> other : others) {
        other.get();
      }
    } finally {
      starters.shutdownNow();
    }
    if (nodes.size() > 1) {
      awaitMembers(timeout);
    }
    return this;
  }

  /**
   * Waits until every node knows every other one and their schemas agree: a node that answers CQL may not have
   * heard of its peers yet, and a keyspace created through it then counts too few replicas, or a table created
   * through one node is not yet known to the next.
   */
  private void awaitMembers(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (CqlSession session = CqlSession.builder()
        .addContactPoints(nodes.stream().map(n -> new InetSocketAddress(n.address(), n.cqlPort())).toList())
        .withLocalDatacenter("datacenter1").build()) {
      while (true) {
        Collection<Node> known = session.getMetadata().getNodes().values();
        boolean settled = known.size() == nodes.size();
        try {
          for (Node node : known) {
            settled &= node.getState() == NodeState.UP && session.execute(SimpleStatement
                .newInstance("SELECT peer FROM system.peers_v2").setNode(node)).all().size() == nodes.size() - 1;
          }
          if (settled && session.checkSchemaAgreement()) {
            return;
          }
        } catch (DriverException notYet) {
          // a node the driver has just marked up may have no connection open yet ("no connection was available")
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("The embedded nodes did not all see each other within " + timeout);
        }
        Thread.sleep(250);
      }
    }
  }

  public EmbeddedCassandra node(int index) {
    return nodes.get(index);
  }

  public List<EmbeddedCassandra> nodes() {
    return Collections.unmodifiableList(nodes);
  }

  /**
   * True when this start made the first node's data directory and did not hand it the schema: the cluster holds no
   * keyspace of ours yet.
   */
  public boolean created() {
    return nodes.get(0).created() && !nodes.get(0).schemaHandedOver();
  }

  /** True when this process started (rather than re-attached to) any of the nodes: it stops them when it stops. */
  public boolean startedHere() {
    return nodes.stream().anyMatch(EmbeddedCassandra::startedHere);
  }

  /** The drivers' contact points: {@code 127.0.0.1,127.0.0.2,...} (CASSANDRA_HOST). */
  public String contactPoints() {
    return nodes.stream().map(EmbeddedCassandra::address).collect(Collectors.joining(","));
  }

  /** Stops the nodes side by side: each one's drain takes seconds, and none of them waits for another's. */
  @Override
  public void close() {
    nodes.forEach(EmbeddedCassandra::beginStop);
    nodes.forEach(EmbeddedCassandra::close);
  }
}
