package store.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import store.testing.TestStore;

/**
 * The README's {@code java -jar product-store.jar}, with no heap option: the store runs in a child JVM the launcher
 * sized (bounded heap, smaller code cache), serves, and stops cleanly with the launcher on SIGTERM (exit 0, no JVM
 * left behind); a SIGKILLed launcher takes its store with it. The first run records the store's classes beside the
 * jar at exit, and the next one maps them (class-data sharing, a faster start).
 */
class JvmSizingIT {
  private static final int PORT = 18897;

  private static Process launch(Path log) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", TestStore.fatJar().toString(), "order").redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(java.util.Map.of("PROFILE", "dev", "HTTP_PORT", Integer.toString(PORT),
        "INTERNAL_PORT", Integer.toString(PORT + 1), "CASSANDRA_HOST", "127.0.0.1",
        "CASSANDRA_PORT", Integer.toString(TestStore.CASSANDRA_PORT), "SECRET_KEY", TestStore.SECRET,
        "INTERNAL_KEY", TestStore.INTERNAL_KEY));
    return builder.start();
  }

  private static ProcessHandle sizedStore(Process launcher) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(launcher.isAlive()).as("the launcher is running").isTrue();
      try {
        if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/health/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          List<ProcessHandle> children = launcher.children().toList();
          assertThat(children).as("one sized store JVM under the launcher").hasSize(1);
          return children.get(0);
        }
      } catch (java.io.IOException notYet) {
        // starting
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the store did not get ready");
  }

  private static String jcmd(long pid, String command) throws Exception {
    Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        Long.toString(pid), command).redirectErrorStream(true).start();
    String out = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(jcmd.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(jcmd.exitValue()).as(out).isZero();
    return out;
  }

  /** The class archives (and recordings in progress) of this build of the jar, beside it. */
  private static List<Path> archives() throws Exception {
    Path jar = TestStore.fatJar();
    try (var files = Files.list(jar.getParent())) {
      return files.filter(p -> p.getFileName().toString().startsWith(jar.getFileName() + ".")
          && p.getFileName().toString().contains(".jsa")).toList();
    }
  }

  @Test
  void javaDashJarRunsASizedStoreThatStopsWithItsLauncher() throws Exception {
    TestStore.cassandra();
    for (Path old : archives()) {
      Files.delete(old); // earlier tests' runs may have recorded one: this one records it afresh
    }
    Path log = Files.createTempFile("sized", ".log");
    Process launcher = launch(log);
    ProcessHandle store = sizedStore(launcher);
    String commandLine = store.info().commandLine().orElse("");
    assertThat(commandLine).contains("-Xmx256m", "-XX:ReservedCodeCacheSize=64m",
        "-XX:MaxDirectMemorySize=64m", "-Dstore.relaunched=true",
        "-XX:ArchiveClassesAtExit=");
    // the launcher only starts the store: what the store loads (logging, configuration, Vert.x) would delay the
    // child at every start, and stay in the launcher's memory
    String launcherClasses = jcmd(launcher.pid(), "VM.class_hierarchy");
    assertThat(launcherClasses).as("classes the launcher JVM loaded").contains("store.launcher.Launch")
        .doesNotContain("ch.qos.logback").doesNotContain("org.slf4j").doesNotContain("io.vertx")
        .doesNotContain("store.launcher.Main");

    launcher.destroy(); // SIGTERM, as Ctrl-C or an init system would
    assertThat(launcher.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(launcher.exitValue()).as(Files.readString(log)).isZero();
    assertThat(store.isAlive()).as("the store JVM stopped with the launcher").isFalse();
    assertThat(Files.readString(log)).contains("Stopped").doesNotContain("[cds]");
    List<Path> recorded = archives();
    assertThat(recorded).as("one archive, moved into place once the store stopped").hasSize(1);
    assertThat(recorded.get(0).getFileName().toString()).endsWith(".jsa");

    Process killed = launch(log);
    ProcessHandle orphan = sizedStore(killed);
    assertThat(orphan.info().commandLine().orElse("")).as("the next start maps the archive")
        .contains("-XX:SharedArchiveFile=" + recorded.get(0));
    assertThat(TestStore.maps(orphan, recorded.get(0))).as("and the JVM took it").isTrue();
    killed.destroyForcibly().waitFor();
    assertThat(orphan.onExit().get(30, TimeUnit.SECONDS).isAlive()).as("no store outlives its launcher").isFalse();
  }
}
