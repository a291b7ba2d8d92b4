package store.testing;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The fat jar as a real process: {@code java -jar product-store.jar <mode>} with its own environment. */
public final class StoreProcess implements AutoCloseable {
  private final String mode;
  private final Map<String, String> env;
  private final Path workDir;
  private final int port;
  private Process process;

  public StoreProcess(String mode, int port, Map<String, String> env, Path workDir) {
    this.mode = mode;
    this.port = port;
    this.env = env;
    this.workDir = workDir;
  }

  public StoreProcess start() throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", TestStore.fatJar().toString()));
    if (mode != null) {
      command.add(mode);
    }
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(workDir.toFile(), (mode == null ? "all" : mode) + ".log")));
    builder.environment().putAll(env);
    builder.environment().put("HTTP_PORT", Integer.toString(port));
    process = builder.start();
    awaitReady(Duration.ofMinutes(3));
    return this;
  }

  /** Waits for {@code /health/live} (and the process to stay up). */
  public void awaitReady(Duration timeout) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(mode + " exited with " + process.exitValue() + "; see " + workDir
            + "; its log ends:\n" + logTail());
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
            + "/health/live")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(mode + " not ready within " + timeout + "; see " + workDir);
  }

  /** The last lines of the process's log (its work directory may be gone by the time anyone reads the report). */
  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(workDir.resolve((mode == null ? "all" : mode) + ".log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** SIGTERM and wait; answers the exit code. */
  public int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    return process.exitValue();
  }

  /** SIGKILL: a crash, no shutdown hooks. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  public int port() {
    return port;
  }

  @Override
  public void close() throws InterruptedException {
    if (isAlive()) {
      stop();
    }
  }
}
