package store.cassandra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.cassandra.cql3.QueryProcessor;
import org.apache.cassandra.schema.Keyspaces;
import org.apache.cassandra.schema.Schema;
import org.apache.cassandra.schema.SchemaTransformation;
import org.apache.cassandra.service.CassandraDaemon;
import org.apache.cassandra.service.ClientState;
import org.apache.cassandra.service.StorageService;

/**
 * Entry point of the embedded Cassandra child JVM.
 *
 * <p>A node started by the launcher must never outlive it. A shutdown hook in the launcher covers SIGTERM, but not
 * SIGKILL or a crash, so the node also watches its parent process and exits when the parent is gone.
 *
 * <p>A new node may also be handed its first schema ({@code -Dstore.initial-schema=<file>}, with CQL off until
 * then): the node flushes its schema tables to disk after every schema change, about 120 ms each, so the store's
 * thirty-odd {@code CREATE TABLE}s sent one by one cost four seconds of a first start. Applied here as one change,
 * they are flushed once. The store still checks and records its schema as on any other node.
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
    String initialSchema = System.getProperty("store.initial-schema");
    if (initialSchema != null) {
      applyInitialSchema(Path.of(initialSchema));
      StorageService.instance.startNativeTransport();
    }
  }

  /**
   * Applies a cqlsh-style script (one statement per line, {@code USE} naming the keyspace of those after it) as a
   * single schema change. On any failure the node starts anyway and the store runs the same DDL itself.
   */
  private static void applyInitialSchema(Path script) {
    long began = System.nanoTime();
    try {
      List<SchemaTransformation> steps = new ArrayList<>();
      ClientState state = ClientState.forInternalCalls();
      for (String line : Files.readAllLines(script, StandardCharsets.UTF_8)) {
        String statement = line.strip().replaceFirst(";$", "");
        if (statement.isEmpty()) {
          continue;
        }
        if (statement.regionMatches(true, 0, "USE ", 0, 4)) {
          state = ClientState.forInternalCalls(statement.substring(4).strip());
          continue;
        }
        var prepared = QueryProcessor.parseStatement(statement).prepare(state);
        prepared.validate(state);
        steps.add((SchemaTransformation) prepared);
      }
      Schema.instance.transform(schema -> {
        Keyspaces result = schema;
        for (SchemaTransformation step : steps) {
          result = step.apply(result);
        }
        return result;
      });
      System.err.println("[cassandra-node] initial schema: " + steps.size() + " statements applied as one change in "
          + (System.nanoTime() - began) / 1_000_000 + " ms");
      Files.deleteIfExists(script);
    } catch (Exception | AssertionError e) {
      System.err.println("[cassandra-node] initial schema not applied (the store will apply it): " + e);
    }
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
