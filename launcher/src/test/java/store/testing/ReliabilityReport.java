package store.testing;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A fault test's counts: kept under {@code target/reliability/} (docs/reliability.md quotes them) and printed. */
public final class ReliabilityReport {
  private ReliabilityReport() {
  }

  public static void write(String name, JsonObject report) throws IOException {
    Path out = Path.of("target", "reliability", name + ".json");
    Files.createDirectories(out.getParent());
    Files.writeString(out, report.encodePrettily());
    System.out.println("[" + name + "] " + report.encodePrettily());
  }
}
