package store.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The operating half's own checks, with the real programs from Debian's packages: Prometheus rules and their unit
 * tests, Alertmanager's config and template, the dashboards' PromQL (observability/check.sh), the gateway config
 * (nginx/check.sh), compose, Kubernetes manifests and every shell script (deploy/check.sh) and the documentation
 * site (mkdocs --strict). Outside CI a missing program skips, visibly; with
 * CI=true it fails.
 */
class OperatingConfigTest {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final boolean CI = "true".equals(System.getenv("CI"));

  private static String run(List<String> command) throws Exception {
    Path log = Files.createTempFile("check", ".log");
    Process process = new ProcessBuilder(command).directory(REPO.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("%s finishes", command).isTrue();
    String output = Files.readString(log, StandardCharsets.UTF_8);
    System.out.println(output);
    assertThat(process.exitValue()).as("%s:%n%s", command, output).isZero();
    Assumptions.assumeFalse(output.contains("SKIP:"), () -> "skipped: " + output.lines()
        .filter(l -> l.contains("SKIP:")).findFirst().orElse(""));
    return output;
  }

  private static boolean installed(String program) throws Exception {
    return new ProcessBuilder("sh", "-c", "command -v " + program).start().waitFor() == 0;
  }

  @Test
  void prometheusAlertmanagerAndDashboardsPassTheirChecks() throws Exception {
    run(List.of("bash", "observability/check.sh"));
  }

  @Test
  void theGatewayConfigPassesNginxAndItsRoutingChecks() throws Exception {
    run(List.of("bash", "nginx/check.sh"));
  }

  @Test
  void composeKubernetesAndScriptsAgreeWithTheStoreAndEachOther() throws Exception {
    run(List.of("bash", "deploy/check.sh"));
  }

  @Test
  void theDocumentationSiteBuildsStrictly() throws Exception {
    if (!installed("mkdocs")) {
      assertThat(CI).as("mkdocs must be installed in CI (Debian packages mkdocs, mkdocs-material)").isFalse();
      Assumptions.abort("SKIP: mkdocs not installed (apt-get install mkdocs mkdocs-material)");
    }
    run(List.of("mkdocs", "build", "--strict", "--site-dir", REPO.resolve("launcher/target/site").toString()));
    assertThat(REPO.resolve("launcher/target/site/security/index.html")).exists();
  }
}
