package store.launcher;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Run by the build ({@code package}, after the fat jar is made): starts the new jar once, all-in-one, in a scratch
 * directory and on free ports, until it is ready, then stops it with SIGTERM. The store JVM and its Cassandra node
 * record their class archives at that exit ({@link ClassArchive}), so a newcomer's first start maps them as every
 * later start does (ready in 13.5–14.7 s instead of 18.1–21.8 s on a slow machine: docs/performance.md, "Start-up").
 * Best effort: any failure is reported and the build goes on, and {@code -DskipClassArchives} skips it.
 */
final class ClassArchiveTraining {
  private static final Duration READY_WITHIN = Duration.ofMinutes(3);

  private ClassArchiveTraining() {
  }

  public static void main(String[] args) throws Exception {
    Path jar = Path.of(args[0]).toAbsolutePath();
    long started = System.nanoTime();
    Path scratch = Files.createTempDirectory("store-class-archives");
    try {
      int httpPort = ephemeralPort();
      int cqlPort = freeCqlPort();
      ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-jar", jar.toString(), "all").directory(scratch.toFile()).redirectErrorStream(true)
          .redirectOutput(scratch.resolve("store.log").toFile());
      Map<String, String> env = builder.environment();
      // the archives are for the default start: no external Cassandra, and the launcher's own JVM sizing
      Stream.of("CASSANDRA_HOST", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS").forEach(env::remove);
      env.put("HTTP_PORT", Integer.toString(httpPort));
      env.put("CASSANDRA_PORT", Integer.toString(cqlPort));
      Process store = builder.start();
      boolean ready = awaitReady(store, httpPort);
      store.destroy(); // SIGTERM: the launcher stops the store and the node, and keeps what they recorded
      if (!store.waitFor(2, TimeUnit.MINUTES)) {
        store.destroyForcibly();
      }
      System.out.printf("[class archives] %s in %.1f s%n", ready
          ? "recorded by a first start of the new jar, for the next one to map" : "not recorded: the store did not get "
          + "ready (" + lastLine(scratch.resolve("store.log")) + ")", (System.nanoTime() - started) / 1e9);
    } catch (IOException | RuntimeException e) {
      System.out.println("[class archives] not recorded: " + e);
    } finally {
      try (Stream<Path> files = Files.walk(scratch)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static boolean awaitReady(Process store, int httpPort) throws InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health/ready"))
        .timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    while (System.nanoTime() < deadline && store.isAlive()) {
      try {
        if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return true;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    return false;
  }

  /**
   * A CQL port whose node's other ports are free too (storage, JMX and metrics ports are derived from it, see
   * {@link EmbeddedCassandra}).
   */
  private static int freeCqlPort() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int cql = ThreadLocalRandom.current().nextInt(20_000, 30_000);
      if (Stream.of(cql, cql - 2042, cql - 1843, cql + 61).noneMatch(p -> EmbeddedCassandra.answers("127.0.0.1", p))) {
        return cql;
      }
    }
    throw new IOException("no free ports for a Cassandra node");
  }

  private static int ephemeralPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String lastLine(Path log) {
    try (Stream<String> lines = Files.lines(log)) {
      return lines.reduce((a, b) -> b).orElse("no output");
    } catch (IOException | java.io.UncheckedIOException e) {
      return "no log";
    }
  }
}
