package store.cassandra;

import org.apache.cassandra.service.CassandraDaemon;

/**
 * Entry point of the embedded Cassandra child JVM.
 *
 * <p>It exists for one reason: a node started by the launcher must never outlive it. A shutdown hook in the
 * launcher covers SIGTERM, but not SIGKILL or a crash, so the node also watches its parent process and exits
 * when the parent is gone.
 */
public final class NodeMain {
  private NodeMain() {
  }

  public static void main(String[] args) {
    ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> {
      System.err.println("[cassandra-node] launcher process " + parent.pid() + " is gone; stopping the node");
      Runtime.getRuntime().halt(0);
    }));
    CassandraDaemon.main(args);
  }
}
