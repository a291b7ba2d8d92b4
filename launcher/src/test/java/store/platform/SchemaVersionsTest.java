package store.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static store.testing.StoreApi.await;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import store.testing.LostAnswers;
import store.testing.TestStore;

/**
 * A schema is applied once per cluster: a start with nothing new runs no DDL, a changed schema is applied at the
 * next start, processes starting together apply it once between them, and a lease left by a dead process lapses.
 * Against the test node, with owners and tables of their own.
 */
class SchemaVersionsTest {
  private static Vertx vertx;
  private static Cql cql;

  @BeforeAll
  static void node() throws Exception {
    vertx = Vertx.vertx();
    cql = TestStore.cql();
  }

  @AfterAll
  static void close() {
    vertx.close();
  }

  private static String suffix() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  private static Schema table(String owner, String table, String... more) {
    List<String> statements = new java.util.ArrayList<>(List.of(
        "CREATE TABLE IF NOT EXISTS " + table + " (id int PRIMARY KEY, v text)"));
    statements.addAll(List.of(more));
    return new Schema(owner, statements);
  }

  private static boolean exists(String table) {
    return !await(cql.client().executeWithFullFetch("SELECT table_name FROM system_schema.tables WHERE "
        + "keyspace_name = 'store' AND table_name = '" + table + "'")).isEmpty();
  }

  @Test
  void aCurrentSchemaRunsNoDdlAndAChangedOneIsApplied() {
    String owner = "test-" + suffix();
    String first = "sv_" + suffix();
    String added = "sv_" + suffix();
    Schema v1 = table(owner, first);
    assertThat(await(SchemaVersions.ensure(vertx, cql, List.of(v1), "a"))).containsExactly(owner);
    assertThat(await(SchemaVersions.ensure(vertx, cql, List.of(v1), "b"))).as("nothing new: no DDL").isEmpty();

    Schema v2 = table(owner, first, "CREATE TABLE IF NOT EXISTS " + added + " (id int PRIMARY KEY)");
    assertThat(v2.fingerprint()).isNotEqualTo(v1.fingerprint());
    assertThat(await(SchemaVersions.ensure(vertx, cql, List.of(v2), "c"))).containsExactly(owner);
    assertThat(exists(first)).isTrue();
    assertThat(exists(added)).as("the change was applied").isTrue();
    assertThat(table(owner, first).fingerprint()).as("the same text, the same fingerprint")
        .isEqualTo(v1.fingerprint());
  }

  /** As on a busy cluster of several nodes, where a start-up died of the first schema change that took over 10 s. */
  @Test
  void aSchemaChangeWhoseAnswerIsLostIsSentAgainAndTheStartGoesOn() throws Exception {
    String owner = "test-" + suffix();
    String table = "sv_" + suffix();
    Cql slow = LostAnswers.toTheFirstOf("CREATE TABLE IF NOT EXISTS " + table);
    assertThat(await(SchemaVersions.ensure(vertx, slow, List.of(table(owner, table)), "slow"))).containsExactly(owner);
    assertThat(exists(table)).isTrue();
  }

  @Test
  void processesStartingTogetherApplyANewSchemaOnce() {
    String owner = "test-" + suffix();
    String table = "sv_" + suffix();
    Schema schema = table(owner, table);
    List<Future<List<String>>> starts = IntStream.range(0, 6)
        .mapToObj(i -> SchemaVersions.ensure(vertx, cql, List.of(schema), "process-" + i)).toList();
    await(Future.all(starts));
    assertThat(starts.stream().mapToLong(start -> start.result().size()).sum()).as("applied by one process")
        .isEqualTo(1);
    assertThat(exists(table)).isTrue();
  }

  @Test
  void aLeaseLeftByADeadProcessLapses() {
    String owner = "test-" + suffix();
    String table = "sv_" + suffix();
    await(cql.run("test.dead-lease", "INSERT INTO schema_leases (owner, holder) VALUES (?, 'dead') USING TTL 2",
        owner));
    assertThat(await(SchemaVersions.ensure(vertx, cql, List.of(table(owner, table)), "alive", 30_000)))
        .as("taken over once the dead process's lease lapsed").containsExactly(owner);
    assertThat(exists(table)).isTrue();
  }

  @Test
  void aLeaseThatNeverLapsesEndsInAClearFailure() {
    String owner = "test-" + suffix();
    await(cql.run("test.held-lease", "INSERT INTO schema_leases (owner, holder) VALUES (?, 'slow') USING TTL 60",
        owner));
    Future<List<String>> start = SchemaVersions.ensure(vertx, cql, List.of(table(owner, "sv_" + suffix())), "late",
        1_000);
    Throwable failure = start.toCompletionStage().toCompletableFuture().handle((ok, e) -> e).join();
    assertThat(failure).isNotNull();
    assertThat(failure.getMessage()).contains(owner).contains("slow");
  }

  @Test
  void aServiceThatOnlyChecksWaitsForTheSchemaStepThenNamesWhatIsMissing() throws Exception {
    String owner = "test-" + suffix();
    Schema schema = table(owner, "sv_" + suffix());
    Future<Void> tooSoon = SchemaVersions.verify(vertx, cql, List.of(schema), "store", 1_500);
    Throwable failure = tooSoon.toCompletionStage().toCompletableFuture().handle((ok, e) -> e).join();
    assertThat(failure).isNotNull();
    assertThat(failure.getMessage()).contains(owner).contains("product-store.jar schema");

    // the schema step runs while a service waits: the service goes on
    Future<Void> waiting = SchemaVersions.verify(vertx, cql, List.of(schema), "store", 30_000);
    Thread.sleep(1_200);
    assertThat(waiting.isComplete()).as("still waiting for the schema step").isFalse();
    await(SchemaVersions.ensure(vertx, cql, List.of(schema), "schema-step"));
    await(waiting);
  }
}
