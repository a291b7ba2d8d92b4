package store.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class archives are per build: a JVM refuses an archive made from other jars or by another JDK and runs without one,
 * so an archive named by the jars it was made from is re-recorded after an upgrade instead of being refused for ever.
 */
class ClassArchiveTest {
  @TempDir
  Path dir;

  @Test
  void anyChangeToTheJarsIsAnotherBuild() throws Exception {
    Path lib = Files.createDirectories(dir.resolve("lib"));
    Files.writeString(lib.resolve("cassandra-all.jar"), "classes");
    Files.createDirectories(lib.resolve("agent"));
    Files.writeString(lib.resolve("agent/exporter.jar"), "agent");
    String build = ClassArchive.buildOf(lib);
    assertThat(ClassArchive.buildOf(lib)).as("the same jars: the same build").isEqualTo(build)
        .matches("[0-9a-f]+-[0-9a-f]+");
    Files.writeString(lib.resolve("notes.txt"), "not a jar");
    assertThat(ClassArchive.buildOf(lib)).as("only jars count").isEqualTo(build);

    Files.writeString(lib.resolve("agent/exporter.jar"), "agent, newer");
    String resized = ClassArchive.buildOf(lib);
    assertThat(resized).as("a jar of another size").isNotEqualTo(build);
    Files.setLastModifiedTime(lib.resolve("cassandra-all.jar"), FileTime.fromMillis(1_000));
    String touched = ClassArchive.buildOf(lib);
    assertThat(touched).as("a jar of another time").isNotEqualTo(resized);
    Files.writeString(lib.resolve("netty.jar"), "more");
    String more = ClassArchive.buildOf(lib);
    assertThat(more).as("one jar more").isNotEqualTo(touched);

    // the JVM checks the class path by path: the same jars copied elsewhere (with an archive beside them) are another
    // build, so the copied archive is never mapped there
    Path copy = Files.createDirectories(dir.resolve("copy"));
    try (Stream<Path> jars = Files.walk(lib)) {
      for (Path file : jars.filter(Files::isRegularFile).toList()) {
        Path target = copy.resolve(lib.relativize(file));
        Files.createDirectories(target.getParent());
        Files.copy(file, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    assertThat(ClassArchive.buildOf(copy)).as("the same jars in another directory").isNotEqualTo(more);
  }

  @Test
  void theStoreJarsArchiveIsNamedByTheSameRuleBesideIt() throws Exception {
    Path jar = Files.writeString(dir.resolve("product-store.jar"), "the store");
    ClassArchive archive = ClassArchive.beside(jar);
    assertThat(archive.archive()).hasFileName("product-store.jar." + ClassArchive.buildOf(jar) + ".jsa");
    Files.writeString(jar, "the store, rebuilt");
    assertThat(ClassArchive.beside(jar).archive()).as("a new build of the jar").isNotEqualTo(archive.archive());
  }

  @Test
  void aBuildWithoutAnArchiveRecordsOneWhichIsKeptInPlaceOfTheOldBuilds() throws Exception {
    Path oldBuild = Files.writeString(dir.resolve("node-classes.10-aa.jsa"), "old");
    Path deadRecording = Files.writeString(dir.resolve("node-classes.10-aa.jsa.999999999.tmp"), "half");
    Path liveRecording = Files.writeString(dir.resolve("node-classes.20-bb.jsa.1.tmp"), "in progress"); // pid 1 lives
    Path other = Files.writeString(dir.resolve("product-store.jar.10-aa.jsa"), "another JVM's");

    assertThat(ClassArchive.in(dir, "node-classes", "30-cc", false)).as("may not record, none to map").isNull();
    ClassArchive first = ClassArchive.in(dir, "node-classes", "30-cc", true);
    assertThat(first.recording()).as("recorded under a name of its own").isNotNull();
    assertThat(first.options()).anyMatch(o -> o.equals("-XX:ArchiveClassesAtExit=" + first.recording()));
    Files.writeString(first.recording(), "recorded at exit");
    first.keep();

    assertThat(first.archive()).hasContent("recorded at exit").hasFileName("node-classes.30-cc.jsa");
    assertThat(oldBuild).as("an older build's archive").doesNotExist();
    assertThat(deadRecording).as("a recording whose process died").doesNotExist();
    assertThat(liveRecording).as("a recording still in progress").exists();
    assertThat(other).as("another JVM's archive").exists();

    ClassArchive next = ClassArchive.in(dir, "node-classes", "30-cc", true);
    assertThat(next.recording()).as("the next run maps it").isNull();
    assertThat(next.options()).contains("-XX:SharedArchiveFile=" + first.archive());
    next.keep();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.filter(p -> p.getFileName().toString().startsWith("node-classes.30-cc"))).hasSize(1);
    }
  }

  /**
   * The node's archive is kept beside its jars, so every node run from them maps it (a new data directory, a
   * cluster's other members); one an earlier release kept in a data directory is still mapped.
   */
  @Test
  void theFirstDirectoryWithTheBuildsArchiveIsMappedElseTheFirstWritableRecordsIt() throws Exception {
    Path jars = Files.createDirectories(dir.resolve("lib"));
    Path data = Files.createDirectories(dir.resolve("data"));
    List<Path> dirs = List.of(jars, data);

    ClassArchive first = ClassArchive.firstOf(dirs, "node-classes", "30-cc", true);
    assertThat(first.recording()).as("none yet: recorded, beside the jars").isNotNull().hasParentRaw(jars);
    assertThat(ClassArchive.firstOf(dirs, "node-classes", "30-cc", false)).as("may not record, none to map").isNull();

    Path kept = Files.writeString(data.resolve("node-classes.30-cc.jsa"), "kept by an earlier release");
    assertThat(ClassArchive.firstOf(dirs, "node-classes", "30-cc", true).options()).as("mapped where it is")
        .contains("-XX:SharedArchiveFile=" + kept);

    Files.writeString(first.recording(), "recorded at exit");
    first.keep();
    ClassArchive next = ClassArchive.firstOf(dirs, "node-classes", "30-cc", false);
    assertThat(next.recording()).isNull();
    assertThat(next.archive()).as("the jars' archive comes first").isEqualTo(jars.resolve("node-classes.30-cc.jsa"))
        .hasContent("recorded at exit");
  }

  @Test
  void aDirectoryNoLongerUsedForgetsItsArchivesOfEveryBuild() throws Exception {
    Path named = Files.writeString(dir.resolve("node-classes.10-aa.jsa"), "a build's");
    Path unnamed = Files.writeString(dir.resolve("node-classes.jsa"), "an earlier release's");
    Path other = Files.writeString(dir.resolve("product-store.jar.10-aa.jsa"), "another JVM's");
    ClassArchive.forgetIn(dir, "node-classes");
    assertThat(named).doesNotExist();
    assertThat(unnamed).doesNotExist();
    assertThat(other).exists();
  }
}
