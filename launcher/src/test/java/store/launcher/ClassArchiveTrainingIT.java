package store.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import store.testing.TestStore;

/**
 * The build's training start ({@link ClassArchiveTraining}, run by {@code package} after the fat jar is made): it
 * leaves the new jar's store JVM and its Cassandra node each a class archive, so the first start a newcomer makes
 * maps them (which {@code JvmSizingIT} and {@code StoreRestartIT} check) instead of loading every class from jars.
 */
class ClassArchiveTrainingIT {

  @Test
  void aTrainingStartLeavesTheStoreAndItsNodeTheirClassArchives() throws Exception {
    Path jar = TestStore.fatJar();
    Path nodeJars = jar.resolveSibling("cassandra-lib");
    Path storeArchive = jar.resolveSibling(jar.getFileName() + "." + ClassArchive.buildOf(jar) + ".jsa");
    Path nodeArchive = nodeJars.resolve("node-classes." + ClassArchive.buildOf(nodeJars) + ".jsa");
    Files.deleteIfExists(storeArchive); // recorded by the build's own training or an earlier test: made afresh here
    Files.deleteIfExists(nodeArchive);

    Process training = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        jar.toString(), "store.launcher.ClassArchiveTraining", jar.toString()).redirectErrorStream(true).start();
    String output = new String(training.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(training.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(training.exitValue()).as(output).isZero();
    assertThat(output).contains("recorded by a first start of the new jar");
    assertThat(storeArchive).as("the store JVM's classes, beside the jar").isRegularFile();
    assertThat(nodeArchive).as("the node's classes, beside its jars").isRegularFile();
  }
}
