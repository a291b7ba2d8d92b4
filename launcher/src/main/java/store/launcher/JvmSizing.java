package store.launcher;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The store's own JVM, sized by the launcher. Started as plain {@code java -jar product-store.jar}, a JVM takes a
 * quarter of the machine's memory as its heap ceiling and grows into it under load (480 MiB measured); the store
 * needs a fraction of that. So when no heap option was given (on the command line, {@code JAVA_TOOL_OPTIONS} or
 * {@code JDK_JAVA_OPTIONS}), the launcher starts the store in a child JVM with the flags below and waits for it,
 * passing signals on. Any heap option, or {@code STORE_JVM_SIZING=false}, keeps one JVM with the given flags (the
 * container image gives its own: a share of the container's limit).
 */
final class JvmSizing {
  /** Set on the child JVM: it is the sized one, and it watches its parent. */
  static final String RELAUNCHED = "store.relaunched";
  private static final long MIB = 1024 * 1024;
  private static final List<String> HEAP_OPTIONS = List.of("-Xmx", "MaxHeapSize", "MaxRAM");

  private JvmSizing() {
  }

  static boolean relaunchWanted(List<String> jvmArguments, Map<String, String> env) {
    if (Boolean.getBoolean(RELAUNCHED) || "false".equalsIgnoreCase(env.get("STORE_JVM_SIZING"))) {
      return false;
    }
    String given = String.join(" ", jvmArguments) + " " + env.getOrDefault("JAVA_TOOL_OPTIONS", "") + " "
        + env.getOrDefault("JDK_JAVA_OPTIONS", "");
    return HEAP_OPTIONS.stream().noneMatch(given::contains);
  }

  /**
   * The store JVM's flags for a machine (or container: the JVM reports its limit) with this much memory: a
   * sixteenth as heap, between 128 and 256 MiB (the all-in-one store under the benchmark's load, 20 000 products,
   * runs in 192 MiB); G1 (the serial collector saved 80 MiB more but its pauses stop every event loop: checkout p50
   * 166 ms instead of 106 ms); a smaller code cache.
   */
  static List<String> flags(long totalMemoryBytes) {
    long heapMib = Math.max(128, Math.min(256, totalMemoryBytes / 16 / MIB));
    return List.of("-Xms64m", "-Xmx" + heapMib + "m", "-XX:+UseG1GC", "-XX:ReservedCodeCacheSize=64m",
        "-XX:+ExitOnOutOfMemoryError");
  }

  /** Runs the store in a sized child JVM and answers its exit code; SIGTERM or Ctrl-C here stops it cleanly. */
  static int relaunch(String[] args) throws Exception {
    long total = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getTotalMemorySize();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(flags(total));
    // the options this JVM was started with (-D..., agents), except those the environment gives the child anyway
    Set<String> fromEnvironment = Arrays.stream((System.getenv().getOrDefault("JAVA_TOOL_OPTIONS", "") + " "
        + System.getenv().getOrDefault("JDK_JAVA_OPTIONS", "")).split("\\s+")).collect(Collectors.toSet());
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> !fromEnvironment.contains(a))
        .forEach(command::add);
    command.add("-D" + RELAUNCHED + "=true");
    Path code = Path.of(JvmSizing.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    ClassArchive archive = Files.isRegularFile(code) ? ClassArchive.beside(code) : null;
    if (archive != null) {
      command.addAll(archive.options());
    }
    if (Files.isRegularFile(code)) {
      command.addAll(List.of("-jar", code.toString()));
    } else {
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    }
    command.addAll(Arrays.asList(args));
    ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
    builder.environment().putIfAbsent("MALLOC_ARENA_MAX", "2"); // glibc: two malloc arenas, not one per busy thread
    Process store = builder.start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        if (store.isAlive()) {
          store.destroy(); // SIGTERM: the store drains and stops
          if (!store.waitFor(60, TimeUnit.SECONDS)) {
            store.destroyForcibly();
          }
        }
        int exit = store.waitFor();
        if (archive != null) {
          archive.keep();
        }
        Runtime.getRuntime().halt(exit);
      } catch (InterruptedException e) {
        store.destroyForcibly();
      }
    }, "store-launcher-shutdown"));
    int exit = store.waitFor();
    if (archive != null) {
      archive.keep();
    }
    return exit;
  }

  /**
   * The store JVM's classes, archived by its first run and mapped by the next ones (class-data sharing): a restart
   * loads ~0.7 s faster (docs/performance.md). One archive per build of the jar, kept beside it, named by the jar's
   * size and time; a run that finds none records one at exit under a name of its own, which the launcher moves into
   * place once the store has stopped, so stores started side by side (the tests) never map a half-written file.
   * Anything unwritable simply means no archive; a stale or foreign one is refused by the JVM, which runs on.
   */
  record ClassArchive(Path archive, Path recording) {

    static ClassArchive beside(Path jar) {
      try {
        String build = Long.toHexString(Files.size(jar)) + "-" + Long.toHexString(Files.getLastModifiedTime(jar)
            .toMillis());
        Path archive = jar.resolveSibling(jar.getFileName() + "." + build + ".jsa");
        if (!Files.isWritable(jar.getParent())) {
          return Files.isRegularFile(archive) ? new ClassArchive(archive, null) : null;
        }
        return new ClassArchive(archive, Files.isRegularFile(archive) ? null
            : jar.resolveSibling(archive.getFileName() + "." + ProcessHandle.current().pid() + ".tmp"));
      } catch (java.io.IOException e) {
        return null;
      }
    }

    List<String> options() {
      // -Xlog: the JVM lists every class it cannot archive (hundreds of warnings) on the store's console otherwise
      return recording == null ? List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off")
          : List.of("-XX:ArchiveClassesAtExit=" + recording, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
    }

    /** After the store's exit: the recorded archive becomes the build's, and older builds' archives go. */
    void keep() {
      if (recording == null || !Files.isRegularFile(recording)) {
        return;
      }
      try {
        Files.move(recording, archive, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        String jar = archive.getFileName().toString().replaceFirst("\\.[0-9a-f]+-[0-9a-f]+\\.jsa$", "");
        // older builds' archives, and recordings whose launcher died before it could move them
        java.util.regex.Pattern stale = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(jar)
            + "\\.[0-9a-f]+-[0-9a-f]+\\.jsa(\\.([0-9]+)\\.tmp)?");
        try (var siblings = Files.list(archive.getParent())) {
          siblings.filter(p -> !p.equals(archive)).forEach(p -> {
            var name = stale.matcher(p.getFileName().toString());
            if (name.matches() && (name.group(2) == null
                || ProcessHandle.of(Long.parseLong(name.group(2))).isEmpty())) {
              p.toFile().delete();
            }
          });
        }
      } catch (java.io.IOException e) {
        recording.toFile().delete(); // another store of the same build got there first, or the disk refused
      }
    }
  }

  /** In the sized child: stop when the launcher is gone (even SIGKILLed), as the embedded node does. */
  static void watchLauncher() {
    if (Boolean.getBoolean(RELAUNCHED)) {
      ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> {
        System.err.println("Launcher process " + parent.pid() + " is gone; stopping");
        System.exit(0);
      }));
    }
  }
}
