package store.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A real Cassandra node in a child JVM, for dev mode and the test suite: one node on 127.0.0.1, or one member of a
 * local cluster ({@link EmbeddedCluster}) on its own loopback address 127.0.0.N.
 *
 * <p>Cassandra runs out of the services' JVM and off their class path: cassandra-all brings netty 4.1 and
 * Vert.x 5 uses netty 4.2. Its jars ship beside the fat jar (see the cassandra-node module). The child watches
 * this process and exits when it dies, so no node outlives its launcher even after a SIGKILL.
 */
public final class EmbeddedCassandra implements AutoCloseable {

  /** Cassandra's jvm17-server.options: the module openings it needs on Java 17. */
  private static final List<String> JVM17_OPTIONS = List.of(
      "-Djdk.attach.allowAttachSelf=true",
      "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
      "--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
      "--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
      "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
      "--add-exports", "java.sql/java.sql=ALL-UNNAMED",
      "--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
      "--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED",
      "--add-exports", "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
      "--add-exports", "jdk.attach/sun.tools.attach=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.base/java.io=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens", "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/java.util=ALL-UNNAMED",
      "-Dio.netty.tryReflectionSetAccessible=true");

  private final Path libDir;
  private final Path dataDir;
  private final int cqlPort;
  private final String heap;
  private final Consumer<String> progress;
  private final int index;
  private final int clusterSize;
  private Process process;
  private boolean created;
  private List<String> initialSchema = List.of();
  private boolean schemaHandedOver;
  /** The node's class archive, when it maps or records one. */
  private ClassArchive classArchive;
  /** The name of the node's class archives, {@code node-classes.<build>.jsa}. */
  private static final String NODE_ARCHIVE = "node-classes";
  /** Heap bytes a memtable row costs beyond its data: what the node measures on this JVM when not told. */
  private static final int MEMTABLE_ROW_OVERHEAD = 180;
  private static final String NODE_ID_FILE = "node.id";

  /** The single node of dev mode, on 127.0.0.1. */
  public EmbeddedCassandra(Path libDir, Path dataDir, int cqlPort, String heap, Consumer<String> progress) {
    this(libDir, dataDir, cqlPort, heap, progress, 0, 1);
  }

  /**
   * Member {@code index} (from 0) of a local cluster of {@code clusterSize} nodes: it listens on 127.0.0.(index+1),
   * with the same ports as the others (all of 127.0.0.0/8 is loopback on Linux), and member 0 is the seed.
   */
  EmbeddedCassandra(Path libDir, Path dataDir, int cqlPort, String heap, Consumer<String> progress, int index,
      int clusterSize) {
    this.libDir = libDir;
    this.dataDir = dataDir.toAbsolutePath();
    this.cqlPort = cqlPort;
    this.heap = heap;
    this.progress = progress;
    this.index = index;
    this.clusterSize = clusterSize;
  }

  /** The loopback address the node listens on (CQL, storage, metrics). */
  public String address() {
    return "127.0.0." + (index + 1);
  }

  /**
   * Where the node's jars are: {@code CASSANDRA_LIB} / {@code -Dcassandra.lib}, else {@code cassandra-lib/} beside
   * the fat jar, else the build output of the cassandra-node module (running from the source tree).
   */
  public static Path locateLibDir(Class<?> anchor) {
    String configured = Optional.ofNullable(System.getProperty("cassandra.lib")).orElse(System.getenv("CASSANDRA_LIB"));
    if (configured != null) {
      return Path.of(configured);
    }
    List<Path> candidates = new ArrayList<>();
    try {
      Path codeSource = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path dir = Files.isDirectory(codeSource) ? codeSource : codeSource.getParent();
      candidates.add(dir.resolve("cassandra-lib"));
      for (Path p = dir; p != null; p = p.getParent()) {
        candidates.add(p.resolve("cassandra-node/target/lib"));
      }
    } catch (Exception ignored) {
      // fall through to the working directory
    }
    candidates.add(Path.of("cassandra-node/target/lib"));
    return candidates.stream().filter(p -> Files.isRegularFile(p.resolve("cassandra-node.jar"))).findFirst()
        .orElseThrow(() -> new IllegalStateException(
            "No embedded Cassandra jars found (looked in " + candidates + "). Build with ./mvnw package, "
                + "set CASSANDRA_LIB, or point CASSANDRA_HOST at a running Cassandra."));
  }

  public static boolean answers(String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The node's heap: {@code auto} sizes it from the memory this process may use (the container's limit inside one,
   * as the JVM reports it): an eighth, between 192 MiB and 256 MiB, which a dev node's data fits in (the 20 000
   * products of the benchmark, with room for its memtables). Anything else ("768M") is taken as it is.
   */
  static String heapFor(String configured) {
    if (!"auto".equalsIgnoreCase(configured)) {
      return configured;
    }
    long total = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getTotalMemorySize();
    long mib = Math.max(192, Math.min(256, total / 8 / (1024 * 1024)));
    return mib + "M";
  }

  public int cqlPort() {
    return cqlPort;
  }

  /** Where the node's Prometheus metrics are served (JMX exporter agent): 9103 for the default CQL port. */
  public int metricsPort() {
    return cqlPort + 61;
  }

  /**
   * The schema a new node (a single node, or a new cluster's first) applies before it opens CQL: a cqlsh-style script,
   * one statement per line (see {@code NodeMain}). It is one schema change there, flushed once, instead of one flush
   * per statement sent over CQL (and, on a cluster, one wait for every node to agree on each).
   */
  public EmbeddedCassandra withInitialSchema(List<String> script) {
    this.initialSchema = List.copyOf(script);
    return this;
  }

  /** Starts the node unless one already answers on the port; blocks until CQL accepts connections. */
  public EmbeddedCassandra start(Duration timeout) throws IOException, InterruptedException {
    if (answers(address(), cqlPort)) {
      requireOwnNode();
      progress.accept("Cassandra for " + dataDir + " already answers on " + address() + ":" + cqlPort
          + "; reusing it");
      return this;
    }
    created = !Files.isDirectory(dataDir.resolve("data"));
    Files.createDirectories(dataDir);
    Path yaml = dataDir.resolve("cassandra.yaml");
    Files.writeString(yaml, yaml(), StandardCharsets.UTF_8);
    Path logback = dataDir.resolve("logback.xml");
    try (InputStream in = Files.newInputStream(libDir.resolve("cassandra-node.jar"))) {
      // the logging config lives in the node jar; copy it out so the child finds it as a plain file
      try (var zip = new java.util.zip.ZipInputStream(in)) {
        for (var entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
          if (entry.getName().equals("node-logback.xml")) {
            Files.write(logback, zip.readAllBytes());
          }
        }
      }
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xms" + heap);
    command.add("-Xmx" + heap);
    // a dev node's heap is small: the serial collector's pauses stay short at this size, and it needs none of G1's
    // remembered sets and region tables (tens of MiB at 256 MiB of heap)
    command.add("-XX:+UseSerialGC");
    command.add("-XX:ReservedCodeCacheSize=64m");
    // off-heap kept small for one local node: the chunk cache and network buffers are capped in the yaml below
    command.add("-XX:MaxDirectMemorySize=128M");
    // class-data sharing: the first node run from these jars on this JDK records its loaded classes at exit, and
    // every later start maps them instead of loading ~9 000 classes from jars (ClassArchive). The archive lives
    // beside the jars, so a new data directory, a cluster's other members and a node restarted after a kill map it
    // too; in the data directory when the jars' directory is read-only (a container image). Only a single node or a
    // cluster's first member records: three nodes writing 60 MB each at exit would be waste.
    classArchive = ClassArchive.firstOf(List.of(libDir, index == 0 ? dataDir : dataDir.resolveSibling("node1")),
        NODE_ARCHIVE, ClassArchive.buildOf(libDir), index == 0);
    Path agent = libDir.resolve("agent").resolve("jmx_prometheus_javaagent.jar");
    Path rules = libDir.resolve("agent").resolve("jmx-exporter.yml");
    boolean withAgent = Files.isRegularFile(agent) && Files.isRegularFile(rules);
    if (classArchive != null) {
      command.addAll(classArchive.options());
      if (withAgent) {
        // a JVM with an agent records an archive only with this flag, and maps one only with the same setting: without
        // it here too the JVM silently refuses the archive at every start (the agent transforms no class)
        command.addAll(List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:+AllowArchivingWithJavaAgent"));
      }
    }
    command.addAll(JVM17_OPTIONS);
    command.add("-Dcassandra.config=" + yaml.toUri());
    command.add("-Dcassandra.storagedir=" + dataDir);
    command.add("-Dcassandra.logdir=" + dataDir.resolve("logs"));
    command.add("-Dlogback.configurationFile=" + logback);
    command.add("-Dcassandra-foreground=yes");
    command.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
    command.add("-Dcassandra.ring_delay_ms=100");
    // a memtable row's heap overhead, as this JVM's node measures it (180-181 bytes): left unset, every start builds
    // 100 000 rows to measure it again, on the start's critical path
    command.add("-Dcassandra.memtable.row_overhead_size=" + MEMTABLE_ROW_OVERHEAD);
    if (clusterSize == 1) {
      // a stopping node tells its peers and then sleeps 2 s so they hear it; a single node has none to tell
      command.add("-Dcassandra.shutdown_announce_in_ms=0");
    }
    // only a new cluster's first node takes it: the others start once it answers, and learn the schema from it
    schemaHandedOver = created && index == 0 && !initialSchema.isEmpty();
    if (schemaHandedOver) {
      Path script = dataDir.resolve("initial-schema.cql");
      Files.write(script, initialSchema.stream().map(s -> s.replaceAll("\\s*\\n\\s*", " ") + ";").toList(),
          StandardCharsets.UTF_8);
      command.add("-Dstore.initial-schema=" + script);
      command.add("-Dcassandra.start_native_transport=false"); // NodeMain opens CQL once the schema is in
    }
    // 7199 for the default 9042; JMX listens on 127.0.0.1 only, so the members of a cluster take 7199, 7209, ...
    command.add("-Dcassandra.jmx.local.port=" + (cqlPort - 1843 + 10 * index));
    if (withAgent) {
      // Cassandra's metrics for Prometheus (observability/cassandra/jmx-exporter.yml), on loopback
      command.add("-javaagent:" + agent.toAbsolutePath() + "=" + address() + ":" + metricsPort() + ":"
          + rules.toAbsolutePath());
    }
    command.add("-cp");
    command.add(libDir.toAbsolutePath() + "/*");
    command.add("store.cassandra.NodeMain");

    progress.accept("Starting embedded Cassandra (data in " + dataDir + ", CQL on " + address() + ":" + cqlPort + ")");
    ProcessBuilder builder = new ProcessBuilder(command);
    // glibc may give each busy thread its own malloc arena (64 MiB reserved each); a dev node needs two at most
    builder.environment().put("MALLOC_ARENA_MAX", "2");
    process = builder
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("node.out").toFile()))
        .redirectErrorStream(true) // the JVM's security-manager warnings and errors go to node.out too
        .start();
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    int dots = 0;
    while (!answers(address(), cqlPort)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Embedded Cassandra exited with code " + process.exitValue()
            + "; see " + dataDir.resolve("logs/system.log") + exitReason(dataDir));
      }
      if (System.nanoTime() > deadline) {
        close();
        throw new IllegalStateException("Embedded Cassandra did not open CQL within " + timeout);
      }
      // a connect to a local port costs microseconds: asking often lets the store start as soon as CQL opens
      Thread.sleep(50);
      if (++dots % 40 == 0) {
        progress.accept("  waiting for CQL on " + address() + ":" + cqlPort + " ... " + (dots / 20) + " s");
      }
    }
    // the node records its own host id in node.id (NodeMain): asking it over CQL here cost a driver start, 3 s
    progress.accept("Cassandra is up after " + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms");
    return this;
  }

  /**
   * What the node said before it exited: the last errors of its log (else the last lines of its console), so that
   * the failure names its cause where the data directory is gone by the time anyone looks (a test's, CI's).
   */
  static String exitReason(Path dataDir) {
    try {
      Path log = dataDir.resolve("logs/system.log");
      List<String> lines = Files.isRegularFile(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
      List<String> errors = lines.stream().filter(l -> l.startsWith("ERROR") || l.contains(" ERROR ")
          || l.startsWith("Caused by:")).toList();
      if (errors.isEmpty()) {
        Path console = dataDir.resolve("node.out");
        errors = Files.isRegularFile(console) ? Files.readAllLines(console, StandardCharsets.UTF_8) : List.of();
      }
      List<String> last = errors.subList(Math.max(0, errors.size() - 5), errors.size());
      return last.isEmpty() ? "" : "; it said last:\n  " + String.join("\n  ",
          last.stream().map(l -> l.length() > 400 ? l.substring(0, 400) + " …" : l).toList());
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  /**
   * A node already answering on the port is reused only if it is the node of this data directory (the host id the
   * node wrote there when it started): writing into another checkout's node, or a real cluster's, by accident must
   * not happen silently.
   */
  private void requireOwnNode() throws IOException, InterruptedException {
    Path recorded = dataDir.resolve(NODE_ID_FILE);
    String running = hostId(address(), cqlPort);
    for (int i = 0; i < 40 && !Files.isRegularFile(recorded) && Files.isDirectory(dataDir); i++) {
      Thread.sleep(250); // a node that has just opened CQL writes its id a moment later
    }
    String ours = Files.isRegularFile(recorded) ? Files.readString(recorded, StandardCharsets.UTF_8).strip() : null;
    if (!running.equals(ours)) {
      throw new IllegalStateException("A Cassandra node already answers on " + address() + ":" + cqlPort
          + " but it is not the embedded node of " + dataDir + " (host id " + running + "). Stop it, or set "
          + "CASSANDRA_PORT to a free port, or set CASSANDRA_HOST to use it on purpose.");
    }
  }

  /** The running node's host id, asked over CQL. */
  static String hostId(String address, int port) {
    try (com.datastax.oss.driver.api.core.CqlSession session = com.datastax.oss.driver.api.core.CqlSession.builder()
        .addContactPoint(new InetSocketAddress(address, port)).withLocalDatacenter("datacenter1").build()) {
      return String.valueOf(session.execute("SELECT host_id FROM system.local").one().getUuid("host_id"));
    }
  }

  /** The node's process id, when this object started it (fault tests freeze and kill it). */
  public long pid() {
    return process.pid();
  }

  /** True when this start made the node's data directory: it holds none of our data yet. */
  public boolean created() {
    return created;
  }

  /** True when this start handed the new node its initial schema: the keyspace should exist once CQL answers. */
  public boolean schemaHandedOver() {
    return schemaHandedOver;
  }

  public boolean startedHere() {
    return process != null;
  }

  /** SIGKILL, as a crashed machine would stop: no flush, no goodbye to the other members (fault tests). */
  public void kill() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  /** Asks the node to stop (SIGTERM: Cassandra flushes and stops) without waiting for it; {@link #close} waits. */
  void beginStop() {
    if (process != null && process.isAlive()) {
      process.destroy();
    }
  }

  @Override
  public void close() {
    if (process == null || !process.isAlive()) {
      return;
    }
    beginStop();
    try {
      if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    if (classArchive != null && !process.isAlive()) {
      classArchive.keep();
      if (!classArchive.archive().getParent().equals(dataDir)) {
        ClassArchive.forgetIn(dataDir, NODE_ARCHIVE); // kept there by earlier releases: never mapped again
      }
    }
  }

  private String yaml() {
    String dir = dataDir.toString();
    int storagePort = cqlPort - 2042; // 7000 for the default 9042, so two nodes on other ports don't collide
    // the commit log is synced in groups (every 2 ms) and a write is acknowledged once its group is on disk: periodic
    // sync acknowledged at once, and a SIGKILL lost the last seconds of acknowledged orders (replay stops at the last
    // sync marker). That costs a checkout about 65 ms of its p50 on this machine (docs/performance.md).
    // a new cluster's members are all empty: none streams from the others (auto_bootstrap false), and their tokens
    // split the ring evenly instead of by chance
    long token = Long.MIN_VALUE + Long.divideUnsigned(-1L, clusterSize) * index;
    return """
        cluster_name: product-store-embedded
        num_tokens: 1
        initial_token: %4$d
        auto_bootstrap: false
        partitioner: org.apache.cassandra.dht.Murmur3Partitioner
        endpoint_snitch: SimpleSnitch
        seed_provider:
          - class_name: org.apache.cassandra.locator.SimpleSeedProvider
            parameters:
              - seeds: "127.0.0.1:%2$d"
        listen_address: %5$s
        rpc_address: %5$s
        storage_port: %2$d
        native_transport_port: %3$d
        start_native_transport: true
        commitlog_sync: group
        commitlog_sync_group_window: 2ms
        commitlog_segment_size: 8MiB
        data_file_directories: ["%1$s/data"]
        commitlog_directory: "%1$s/commitlog"
        saved_caches_directory: "%1$s/saved_caches"
        hints_directory: "%1$s/hints"
        cdc_raw_directory: "%1$s/cdc_raw"
        authenticator: AllowAllAuthenticator
        authorizer: AllowAllAuthorizer
        paxos_variant: v2
        storage_compatibility_mode: NONE
        concurrent_reads: 8
        concurrent_writes: 8
        concurrent_counter_writes: 8
        memtable_allocation_type: heap_buffers
        key_cache_size: 16MiB
        file_cache_size: 16MiB
        networking_cache_size: 8MiB
        concurrent_compactors: 1
        sai_options:
          segment_write_buffer_size: 64MiB
        write_request_timeout: 5000ms
        cas_contention_timeout: 3000ms
        read_request_timeout: 5000ms
        range_request_timeout: 10000ms
        """.formatted(dir, storagePort, cqlPort, token, address());
  }
}
