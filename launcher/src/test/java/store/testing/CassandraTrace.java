package store.testing;

import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the test node's own trace of a read says it scanned: how tests see tombstones that cost every later read. */
public final class CassandraTrace {
  private static final Pattern READ = Pattern.compile("Read (\\d+) live rows and (\\d+) tombstone cells");

  private CassandraTrace() {
  }

  /** The tombstone cells (row deletions among them) the node scanned to answer {@code read}, run traced. */
  public static int tombstonesRead(SimpleStatement read) throws Exception {
    UUID trace = StoreApi.await(TestStore.cassandraClient().execute(read.setTracing(true)))
        .getExecutionInfo().getTracingId();
    // the node writes a trace's events in the background
    Matcher scanned = StoreApi.eventually(Duration.ofSeconds(10), () -> events(trace).stream()
        .map(READ::matcher).filter(Matcher::find).findFirst().orElse(null), m -> m != null);
    if (scanned == null) {
      throw new AssertionError("no read event in the trace of " + read.getQuery());
    }
    return Integer.parseInt(scanned.group(2));
  }

  private static List<String> events(UUID trace) {
    try {
      return StoreApi.await(TestStore.cassandraClient().executeWithFullFetch(SimpleStatement.newInstance(
          "SELECT activity FROM system_traces.events WHERE session_id = ?", trace))).stream()
          .map(r -> r.getString("activity")).toList();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
