package store.launcher;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
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
  /** The store JVM's direct memory, whatever its heap (the container image passes the same figure). */
  static final int DIRECT_MEMORY_MIB = 64;
  private static final List<String> HEAP_OPTIONS = List.of("-Xmx", "MaxHeapSize", "MaxRAM");

  /** The modes that start the store (the others are commands: help, schema, operators' commands). */
  static final Set<String> STORE_MODES = Set.of("all", "catalog", "cart", "order", "user");

  private JvmSizing() {
  }

  /** The mode the arguments name: the first one, lower-cased; all-in-one when none is given. */
  static String mode(String[] args) {
    return args.length == 0 ? "all" : args[0].toLowerCase(Locale.ROOT);
  }

  /** Whether these arguments start the store (all-in-one or one service). */
  static boolean startsTheStore(String[] args) {
    return STORE_MODES.contains(mode(args));
  }

  /**
   * Runs the store in a sized child JVM and exits with its code, when the arguments start the store and this JVM was
   * given no heap option; returns otherwise (the store or the command then runs in this JVM).
   */
  static void relaunchIfWanted(String[] args) throws Exception {
    if (startsTheStore(args) && relaunchWanted(ManagementFactory.getRuntimeMXBean().getInputArguments(),
        System.getenv())) {
      System.exit(relaunch(args));
    }
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
   * 166 ms instead of 106 ms); a smaller code cache; and direct memory capped at 64 MiB, which would otherwise be
   * as large as the heap: 3.6-5.8 MB of direct buffers were in use under the benchmarks' load, and the catalog's
   * kept pages take 16 MiB at most.
   */
  static List<String> flags(long totalMemoryBytes) {
    long heapMib = Math.max(128, Math.min(256, totalMemoryBytes / 16 / MIB));
    return List.of("-Xms64m", "-Xmx" + heapMib + "m", "-XX:+UseG1GC", "-XX:ReservedCodeCacheSize=64m",
        "-XX:MaxDirectMemorySize=" + DIRECT_MEMORY_MIB + "m", "-XX:+ExitOnOutOfMemoryError");
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
