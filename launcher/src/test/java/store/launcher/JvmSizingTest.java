package store.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When the launcher sizes the store's JVM itself, and to what. */
class JvmSizingTest {
  private static final long GIB = 1024L * 1024 * 1024;

  @Test
  void aPlainJavaDashJarIsSizedAndAnyHeapOptionIsLeftAlone() {
    assertThat(JvmSizing.relaunchWanted(List.of("-Dfile.encoding=UTF-8"), Map.of())).isTrue();
    assertThat(JvmSizing.relaunchWanted(List.of("-Xmx512m"), Map.of())).isFalse();
    assertThat(JvmSizing.relaunchWanted(List.of("-XX:MaxRAMPercentage=70"), Map.of())).isFalse();
    assertThat(JvmSizing.relaunchWanted(List.of(), Map.of("JAVA_TOOL_OPTIONS", "-XX:MaxHeapSize=1g"))).isFalse();
    assertThat(JvmSizing.relaunchWanted(List.of(), Map.of("JDK_JAVA_OPTIONS", "-Xmx1g"))).isFalse();
    assertThat(JvmSizing.relaunchWanted(List.of(), Map.of("STORE_JVM_SIZING", "false"))).isFalse();
  }

  @Test
  void onlyTheModesThatStartTheStoreAreSized() {
    java.util.Set<String> modes = new java.util.HashSet<>(Topology.FACTORIES.keySet());
    modes.add("all");
    assertThat(JvmSizing.STORE_MODES).as("every service the launcher knows, and all-in-one").isEqualTo(modes);
    assertThat(JvmSizing.startsTheStore(new String[0])).isTrue();
    assertThat(JvmSizing.startsTheStore(new String[] {"Catalog"})).isTrue();
    for (String command : List.of("--help", "schema", "check-stock", "grant-admin", "load-products", "nonsense")) {
      assertThat(JvmSizing.startsTheStore(new String[] {command})).as(command).isFalse();
    }
  }

  @Test
  void theHeapIsASixteenthOfTheMemoryBetween128And256MiB() {
    assertThat(JvmSizing.flags(24 * GIB)).contains("-Xmx256m", "-XX:+UseG1GC");
    assertThat(JvmSizing.flags(3 * GIB)).contains("-Xmx192m");
    assertThat(JvmSizing.flags(GIB)).contains("-Xmx128m");
  }

  @Test
  void directMemoryIsCappedWhateverTheHeap() {
    for (long memory : new long[] {GIB, 3 * GIB, 24 * GIB}) {
      assertThat(JvmSizing.flags(memory)).contains("-XX:MaxDirectMemorySize=64m");
    }
  }
}
