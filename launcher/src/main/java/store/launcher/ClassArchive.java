package store.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * A JVM's classes, archived by its first run and mapped by the next ones (class-data sharing): the store JVM's
 * restart loads ~0.7 s faster, the Cassandra node's about 1 s (docs/performance.md).
 *
 * <p>One archive per build of what the JVM runs, named {@code <name>.<build>.jsa}: the JVM refuses an archive made
 * from other jars or by another JDK and then runs without one, so a new build (an upgrade, a JDK update) must get an
 * archive of its own rather than keep a stale one for ever. A run that finds none records one at exit under a name of
 * its own ({@code ….<pid>.tmp}), which {@link #keep} moves into place once that JVM has stopped, so JVMs started side
 * by side never map a half-written file; it then deletes older builds' archives and recordings whose process died.
 * Anything unwritable simply means no archive.
 *
 * @param archive the build's archive
 * @param recording where this run records one, or null when it maps {@code archive} (or may not record)
 */
record ClassArchive(Path archive, Path recording) {
  private static final String BUILD = "\\.[0-9a-f]+-[0-9a-f]+\\.jsa";

  /** The store jar's archive, beside it. */
  static ClassArchive beside(Path jar) {
    try {
      return in(jar.getParent(), jar.getFileName().toString(), buildOf(jar), true);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * The archive {@code name.build.jsa} in the first of {@code dirs} that has it, mapped; else recorded by this run
   * (when {@code mayRecord}) into the first of them that is writable; else null (no archive).
   */
  static ClassArchive firstOf(List<Path> dirs, String name, String build, boolean mayRecord) {
    for (Path dir : dirs) {
      ClassArchive found = in(dir, name, build, false);
      if (found != null) {
        return found;
      }
    }
    return mayRecord ? dirs.stream().map(dir -> in(dir, name, build, true)).filter(Objects::nonNull).findFirst()
        .orElse(null) : null;
  }

  /**
   * The archive {@code name.build.jsa} in {@code dir}: mapped when it exists; else recorded by this run when
   * {@code mayRecord} and the directory is writable; else null (no archive).
   */
  static ClassArchive in(Path dir, String name, String build, boolean mayRecord) {
    Path archive = dir.resolve(name + "." + build + ".jsa");
    if (Files.isRegularFile(archive)) {
      return new ClassArchive(archive, null);
    }
    if (!mayRecord || !Files.isWritable(dir)) {
      return null;
    }
    return new ClassArchive(archive, dir.resolve(archive.getFileName() + "." + ProcessHandle.current().pid()
        + ".tmp"));
  }

  /**
   * The build of a jar, or of the jars under a directory, run by this JDK: where they are, their names, sizes and
   * times, and the JVM's version. Any change to one of them gives another build, and so another archive (the JVM
   * checks the class path's files by path too: an archive copied with the jars to another directory is refused).
   */
  static String buildOf(Path libDir) throws IOException {
    CRC32 crc = new CRC32();
    long bytes = 0;
    crc.update((System.getProperty("java.vm.version", "") + "\n" + libDir.toAbsolutePath().normalize() + "\n")
        .getBytes(StandardCharsets.UTF_8));
    try (Stream<Path> files = Files.walk(libDir)) {
      for (Path jar : files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList()) {
        long size = Files.size(jar);
        bytes += size;
        crc.update((libDir.relativize(jar) + "\n" + size + "\n" + Files.getLastModifiedTime(jar).toMillis() + "\n")
            .getBytes(StandardCharsets.UTF_8));
      }
    }
    return Long.toHexString(bytes) + "-" + Long.toHexString(crc.getValue());
  }

  /** The JVM options that map the archive, or record one at exit. */
  List<String> options() {
    // -Xlog: the JVM otherwise lists every class it cannot archive (hundreds of warnings) on the console
    return recording == null ? List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off")
        : List.of("-XX:ArchiveClassesAtExit=" + recording, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
  }

  /** After the JVM's exit: the recorded archive becomes the build's, and older builds' archives go. */
  void keep() {
    if (recording == null || !Files.isRegularFile(recording)) {
      return;
    }
    try {
      Files.move(recording, archive, StandardCopyOption.ATOMIC_MOVE);
      String name = archive.getFileName().toString().replaceFirst(BUILD + "$", "");
      // older builds' archives, and recordings whose JVM's launcher died before it could move them
      Pattern stale = Pattern.compile(Pattern.quote(name) + BUILD + "(\\.([0-9]+)\\.tmp)?");
      try (Stream<Path> siblings = Files.list(archive.getParent())) {
        siblings.filter(p -> !p.equals(archive)).forEach(p -> {
          Matcher file = stale.matcher(p.getFileName().toString());
          if (file.matches() && (file.group(2) == null || ProcessHandle.of(Long.parseLong(file.group(2))).isEmpty())) {
            p.toFile().delete();
          }
        });
      }
    } catch (IOException e) {
      recording.toFile().delete(); // another JVM of the same build got there first, or the disk refused
    }
  }

  /**
   * Deletes every archive named {@code name} in {@code dir}, of any build, and the build-less {@code name.jsa} of
   * earlier releases: for a directory no JVM maps them from any more.
   */
  static void forgetIn(Path dir, String name) {
    Pattern any = Pattern.compile(Pattern.quote(name) + "(" + BUILD + "|\\.jsa)");
    try (Stream<Path> files = Files.list(dir)) {
      files.filter(p -> any.matcher(p.getFileName().toString()).matches()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // left for the next time
    }
  }
}
