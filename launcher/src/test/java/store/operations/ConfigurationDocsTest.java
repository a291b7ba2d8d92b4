package store.operations;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import store.platform.StoreConfig;

/** The configuration reference (docs/configuration.md) names every key of conf/application.yaml and every variable. */
class ConfigurationDocsTest {
  private static final Path DOC = Path.of("..", "docs", "configuration.md");

  private static void leaves(String prefix, JsonObject node, List<String> out) {
    node.forEach(e -> {
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue() instanceof JsonObject child) {
        leaves(key, child, out);
      } else {
        out.add(key);
      }
    });
  }

  @Test
  void everyKeyAndEveryVariableIsDocumented() throws Exception {
    String doc = Files.readString(DOC);
    List<String> keys = new ArrayList<>();
    leaves("", StoreConfig.packagedDefaults(), keys);
    assertThat(keys).hasSizeGreaterThan(40);
    assertThat(keys).allSatisfy(key -> assertThat(doc).as("docs/configuration.md names " + key)
        .contains("`" + key + "`"));
    assertThat(StoreConfig.ENVIRONMENT.keySet()).allSatisfy(variable -> assertThat(doc)
        .as("docs/configuration.md names " + variable).contains("`" + variable + "`"));
  }
}
