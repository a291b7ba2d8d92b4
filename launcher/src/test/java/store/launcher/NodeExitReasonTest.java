package store.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that exits before CQL opens is reported with what it said last: a test's or CI's data directory is gone by
 * the time anyone reads the failure, so "see system.log" alone named no cause.
 */
class NodeExitReasonTest {

  @Test
  void theLogsLastErrorsAreQuoted(@TempDir Path dataDir) throws Exception {
    Files.createDirectories(dataDir.resolve("logs"));
    Files.writeString(dataDir.resolve("logs/system.log"), String.join("\n",
        "INFO  [main] 2026-12-02 11:44:40,001 CassandraDaemon.java:600 - JVM vendor/version: OpenJDK",
        "ERROR [main] 2026-12-02 11:45:20,002 JVMStabilityInspector.java:196 - Exiting due to error while processing "
            + "commit log during initialization.",
        "org.apache.cassandra.db.commitlog.CommitLogReplayer$CommitLogReplayException: Could not read commit log "
            + "descriptor in file CommitLog-7-1.log",
        "INFO  [main] 2026-12-02 11:45:20,003 StorageService.java:300 - shutting down"));
    Files.writeString(dataDir.resolve("node.out"), "console line\n");

    assertThat(EmbeddedCassandra.exitReason(dataDir)).contains("Exiting due to error while processing commit log")
        .doesNotContain("JVM vendor").doesNotContain("console line");
  }

  @Test
  void withoutErrorsInItsLogTheConsolesLastLinesAreQuoted(@TempDir Path dataDir) throws Exception {
    Files.writeString(dataDir.resolve("node.out"), "Error: Could not find or load main class store.cassandra.NodeMain\n");

    assertThat(EmbeddedCassandra.exitReason(dataDir)).contains("Could not find or load main class");
  }

  @Test
  void nothingToQuoteAddsNothing(@TempDir Path dataDir) {
    assertThat(EmbeddedCassandra.exitReason(dataDir)).isEmpty();
  }
}
