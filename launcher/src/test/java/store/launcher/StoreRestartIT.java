package store.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import store.testing.TestStore;

/**
 * The fat jar as an operator runs it: {@code java -jar product-store.jar} in an empty directory, with its own
 * embedded Cassandra node. A SIGTERM stops it cleanly (exit 0, no Cassandra left behind) and a restart in the same
 * directory finds the data again. The first test leaves the node's class archive beside its jars; the later ones,
 * each in a new directory, map it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StoreRestartIT {
  private static final int HTTP_PORT = 18181;
  private static final int CQL_PORT = 9242;
  private static final String SECRET = "restart-it-secret-0123456789abcdef";
  private static final Duration READY_WITHIN = Duration.ofMinutes(3);

  private static final String ADMIN = "restart-admin";
  private static final String ADMIN_PASSWORD = "restart-admin-password";

  private static Vertx vertx;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<Process> started = new ArrayList<>();
  private Path workDir;
  /** The log of the store launched last: where a request that got no answer is explained. */
  private String lastLog;

  @BeforeAll
  static void tokens() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void killLeftovers() throws Exception {
    for (Process p : started) {
      if (p.isAlive()) {
        p.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
      }
    }
    // the embedded node's data is a few hundred MB; keep it only when asked (-Dkeep.it.dirs=true)
    if (workDir != null && !Boolean.getBoolean("keep.it.dirs")) {
      try (var paths = Files.walk(workDir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static Path java() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  private Process launch(Path dir, String log, String... args) throws IOException {
    return launch(dir, log, Map.of("SAMPLE_DATA", "false", "DEMO_USERS", "false"), args);
  }

  private Process launch(Path dir, String log, Map<String, String> settings, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(java().toString(), "-Xmx256m", "-jar",
        TestStore.fatJar().toString()));
    command.addAll(List.of(args));
    lastLog = log;
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(log).toFile()));
    Map<String, String> env = builder.environment();
    // nothing from the build's environment may point the child at another Cassandra or port
    for (String name : List.of("CASSANDRA_HOST", "CASSANDRA_DATA_DIR", "HTTP_PORT", "CASSANDRA_PORT", "SECRET_KEY")) {
      env.remove(name);
    }
    env.put("SECRET_KEY", SECRET);
    env.put("ADMIN_USERNAME", ADMIN); // the bootstrap admin: created at first start, kept by the restart
    env.put("ADMIN_PASSWORD", ADMIN_PASSWORD);
    env.put("HTTP_PORT", Integer.toString(HTTP_PORT));
    env.put("CASSANDRA_PORT", Integer.toString(CQL_PORT));
    env.remove("SAMPLE_DATA");
    env.remove("DEMO_USERS");
    env.putAll(settings);
    env.put("CASSANDRA_LIB", Path.of(System.getProperty("cassandra.lib")).toAbsolutePath().normalize().toString());
    Process process = builder.start();
    started.add(process);
    return process;
  }

  private String tail(String log) {
    try {
      List<String> lines = Files.readAllLines(workDir.resolve(log), StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /**
   * A generous timeout: the test is about what survives a stop, not about speed, and a CI machine sharing its two cores
   * with the node can stall a first request for seconds. Past it, the store's log says where it was.
   */
  private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpRequest built = request.timeout(Duration.ofSeconds(30)).build();
    try {
      return http.send(built, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (java.net.http.HttpTimeoutException e) {
      throw new AssertionError("no answer to " + built.method() + " " + built.uri().getPath() + " in 30 s; log:\n"
          + tail(lastLog), e);
    }
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + HTTP_PORT + path));
  }

  private String login(String username, String password) throws Exception {
    HttpResponse<String> token = send(request("/user-api/token").header("Content-Type",
        "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("username=" + username
        + "&password=" + password)));
    assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
    return new JsonObject(token.body()).getString("access_token");
  }

  private void awaitReady(Process process, String log) throws Exception {
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(process.isAlive()).as("the store exited early; log:\n%s", tail(log)).isTrue();
      try {
        if (http.send(request("/health/ready").timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(500);
    }
    throw new AssertionError("not ready within " + READY_WITHIN + "; log:\n" + tail(log));
  }

  private void stopGracefully(Process process, String log) throws Exception {
    process.destroy(); // SIGTERM
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited within 60 s of SIGTERM; log:\n%s", tail(log))
        .isTrue();
    assertThat(process.exitValue()).as("exit code after SIGTERM; log:\n%s", tail(log)).isZero();
    assertThat(EmbeddedCassandra.answers("127.0.0.1", CQL_PORT))
        .as("no embedded Cassandra still listens on %d after the launcher stopped", CQL_PORT).isFalse();
    assertThat(EmbeddedCassandra.answers("127.0.0.1", HTTP_PORT)).as("HTTP port released").isFalse();
    // a start and a stop without trouble leave no warning an operator would have to look up
    assertThat(Files.readString(workDir.resolve(log))).doesNotContain("has been already registered");
  }

  /** The archive of the node's classes for the build of its jars, kept beside them. */
  private static Path nodeArchive() throws IOException {
    Path jars = Path.of(System.getProperty("cassandra.lib")).toAbsolutePath().normalize();
    return jars.resolve("node-classes." + ClassArchive.buildOf(jars) + ".jsa");
  }

  /**
   * The launcher's Cassandra node runs on the class archive beside its jars: pointed at it, and mapping it (a JVM that
   * refuses an archive says nothing and loads every class from the jars).
   */
  private static void assertNodeMapsTheArchive(Process store, String why) throws IOException {
    ProcessHandle node = store.toHandle().children().filter(c -> c.info().commandLine().orElse("")
        .contains("store.cassandra.NodeMain")).findFirst().orElseThrow();
    assertThat(node.info().commandLine().orElse("")).as(why).contains("-XX:SharedArchiveFile=" + nodeArchive());
    assertThat(TestStore.maps(node, nodeArchive())).as(why + ": the JVM took it").isTrue();
  }

  @Test
  @Order(1)
  void sigtermStopsCleanlyAndDataSurvivesARestart() throws Exception {
    assertThat(TestStore.fatJar()).as("the fat jar (built by package)").exists();
    assertThat(EmbeddedCassandra.answers("127.0.0.1", CQL_PORT)).as("port %d is free before the test", CQL_PORT)
        .isFalse();
    workDir = Files.createTempDirectory("store-restart-it");
    String category = "restart-" + java.util.UUID.randomUUID();

    Process first = launch(workDir, "first.log");
    awaitReady(first, "first.log");
    String admin = "Bearer " + login(ADMIN, ADMIN_PASSWORD);
    HttpResponse<String> created = send(request("/api/products/")
        .header("Authorization", admin).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("name", "Survivor").put("category", category)
            .put("price", 12.5).put("stock_count", 7).encode())));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = new JsonObject(created.body()).getString("product_id");
    stopGracefully(first, "first.log");
    assertThat(workDir.resolve("data")).as("the node's data lives under the working directory").isDirectory();
    // the node's classes are archived beside its jars, named by their build (recorded at this node's exit unless an
    // earlier node run from these jars did), and not in the data directory
    assertThat(nodeArchive()).as("the build's class archive beside the node's jars").isRegularFile();
    try (var files = Files.list(workDir.resolve("data").resolve("cassandra"))) {
      assertThat(files.filter(p -> p.getFileName().toString().startsWith("node-classes"))).isEmpty();
    }

    Process second = launch(workDir, "second.log");
    awaitReady(second, "second.log");
    assertNodeMapsTheArchive(second, "the restarted node maps the archive");
    // told its memtable row overhead, the node no longer builds 100 000 rows at each start to measure it
    assertThat(Files.readString(workDir.resolve("data").resolve("cassandra").resolve("logs").resolve("system.log")))
        .doesNotContain("Estimated SkipListMemtable row overhead");
    // the token from before the restart still works: key, account and token version all survived
    HttpResponse<String> found = send(request("/api/products/" + id).header("Authorization", admin).GET());
    assertThat(found.statusCode()).as(found.body()).isEqualTo(200);
    JsonObject product = new JsonObject(found.body());
    assertThat(product.getString("name")).isEqualTo("Survivor");
    assertThat(product.getDouble("price")).isEqualTo(12.5);
    assertThat(product.getInteger("stock_count")).isEqualTo(7);
    HttpResponse<String> listing = send(request("/api/products/?category=" + category).header("Authorization", admin)
        .GET());
    assertThat(new JsonObject(listing.body()).getInteger("total")).isEqualTo(1);
    stopGracefully(second, "second.log");
  }

  @Test
  void aFrozenCassandraIsA503WithRetryAfterAndWritesRecoverWithoutARestart() throws Exception {
    workDir = Files.createTempDirectory("store-frozen-it");
    Process store = launch(workDir, "frozen.log");
    awaitReady(store, "frozen.log");
    String admin = "Bearer " + login(ADMIN, ADMIN_PASSWORD);
    ProcessHandle node = store.toHandle().children().filter(c -> c.info().commandLine().orElse("")
        .contains("store.cassandra.NodeMain")).findFirst().orElseThrow();
    String category = "frozen-" + java.util.UUID.randomUUID();
    HttpRequest.Builder create = request("/api/products/").header("Authorization", admin)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("name", "Ice").put("category", category)
            .put("price", 1).put("stock_count", 1).encode()));
    assertThat(send(create).statusCode()).isEqualTo(201);

    new ProcessBuilder("kill", "-STOP", Long.toString(node.pid())).start().waitFor();
    try {
      HttpResponse<String> frozen = http.send(create.timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      assertThat(frozen.statusCode()).as(frozen.body()).isIn(503, 504);
      assertThat(frozen.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
      if (frozen.statusCode() == 503) {
        assertThat(frozen.headers().firstValue("Retry-After")).isPresent();
      }
      assertThat(frozen.body()).doesNotContain("internal-error");
    } finally {
      new ProcessBuilder("kill", "-CONT", Long.toString(node.pid())).start().waitFor();
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    int status = 0;
    while (System.nanoTime() < deadline && status != 201) {
      status = send(create).statusCode();
      Thread.sleep(500);
    }
    assertThat(status).as("writes work again once Cassandra answers, without a restart").isEqualTo(201);
    stopGracefully(store, "frozen.log");
  }

  @Test
  void helpPrintsUsageAndExitsZero() throws Exception {
    workDir = Files.createTempDirectory("store-help-it");
    Process help = launch(workDir, "help.log", "--help");
    assertThat(help.waitFor(60, TimeUnit.SECONDS)).as("--help returns").isTrue();
    String out = Files.readString(workDir.resolve("help.log"));
    assertThat(help.exitValue()).as(out).isZero();
    assertThat(out).contains("Usage: java -jar product-store.jar").contains("CASSANDRA_HOST").contains("SECRET_KEY");
    assertThat(EmbeddedCassandra.answers("127.0.0.1", CQL_PORT)).as("--help starts no Cassandra").isFalse();
  }

  @Test
  void devModeHasSampleDataAndDemoUsersAndAKilledLauncherLeavesNoCassandra() throws Exception {
    workDir = Files.createTempDirectory("store-kill-it");
    Process store = launch(workDir, "dev.log", Map.of()); // all-in-one defaults: sample catalog, demo users
    awaitReady(store, "dev.log");
    assertNodeMapsTheArchive(store, "a new data directory's node maps the archive beside the jars");

    HttpResponse<String> token = send(request("/user-api/token").header("Content-Type",
        "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(
            "username=swagger_user&password=password123")));
    assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
    String bearer = "Bearer " + new JsonObject(token.body()).getString("access_token");
    HttpResponse<String> categories = send(request("/api/products/categories/list").header("Authorization", bearer)
        .GET());
    var counts = new io.vertx.core.json.JsonArray(categories.body());
    assertThat(counts.size()).isGreaterThanOrEqualTo(4);
    assertThat(counts.stream().mapToInt(c -> ((JsonObject) c).getInteger("product_count")).sum()).isEqualTo(50);

    store.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no shutdown hook runs
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (EmbeddedCassandra.answers("127.0.0.1", CQL_PORT) && System.nanoTime() < deadline) {
      Thread.sleep(250);
    }
    assertThat(EmbeddedCassandra.answers("127.0.0.1", CQL_PORT))
        .as("the embedded node follows its killed launcher").isFalse();
  }
}
