package store.cassandra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.cassandra.service.CassandraDaemon;
import org.apache.cassandra.service.StorageService;

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
    recordHostId();
  }

  /**
   * Writes the started node's host id to {@code node.id} in its storage directory: the launcher compares it with a
   * node it finds already answering, so it never writes into someone else's node by accident.
   */
  private static void recordHostId() {
    try {
      Path file = Path.of(System.getProperty("cassandra.storagedir"), "node.id");
      Path partial = file.resolveSibling("node.id.partial");
      Files.writeString(partial, StorageService.instance.getLocalHostId(), StandardCharsets.UTF_8);
      Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      System.err.println("[cassandra-node] could not record the host id: " + e);
    }
  }
}
