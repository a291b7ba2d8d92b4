package store.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import store.platform.StoreConfig;

/** What each profile allows and binds to: pure logic over the packaged defaults, no Cassandra. */
class ProfileDefaultsTest {
  private static final String KEY = "profile-test-key-0123456789abcdef0123";

  private static JsonObject defaults() {
    return StoreConfig.packagedDefaults();
  }

  @Test
  void devBindsToLoopbackAndProdToAllInterfaces() {
    JsonObject dev = defaults();
    Main.applyModeDefaults("all", dev);
    assertThat(StoreConfig.string(dev, "profile", "")).isEqualTo("dev");
    assertThat(StoreConfig.string(dev, "http.host", "")).isEqualTo("127.0.0.1");

    JsonObject prod = defaults();
    StoreConfig.put(prod, "security.secret-key", KEY);
    StoreConfig.put(prod, "security.internal-key", "another-" + KEY);
    Main.applyModeDefaults("catalog", prod);
    assertThat(StoreConfig.string(prod, "profile", "")).isEqualTo("prod");
    assertThat(StoreConfig.string(prod, "http.host", "")).isEqualTo("0.0.0.0");
    assertThat(StoreConfig.string(prod, "internal.host", "")).isEqualTo("0.0.0.0");
  }

  @Test
  void prodRefusesDemoUsersTheAdminNameRuleAndMissingSecrets() {
    JsonObject noSecret = defaults();
    assertThatThrownBy(() -> Main.applyModeDefaults("cart", noSecret)).hasMessageContaining("SECRET_KEY");

    JsonObject weak = defaults();
    StoreConfig.put(weak, "security.secret-key", "change-me");
    assertThatThrownBy(() -> Main.applyModeDefaults("all", weak)).hasMessageContaining("32 bytes");

    JsonObject noInternal = defaults();
    StoreConfig.put(noInternal, "security.secret-key", KEY);
    assertThatThrownBy(() -> Main.applyModeDefaults("order", noInternal)).hasMessageContaining("INTERNAL_KEY");

    JsonObject demo = defaults();
    StoreConfig.put(demo, "security.secret-key", KEY);
    StoreConfig.put(demo, "security.internal-key", "another-" + KEY);
    StoreConfig.put(demo, "user.demo-users-enabled", true);
    assertThatThrownBy(() -> Main.applyModeDefaults("user", demo)).hasMessageContaining("DEMO_USERS");

    JsonObject prefix = defaults();
    StoreConfig.put(prefix, "security.secret-key", KEY);
    StoreConfig.put(prefix, "security.internal-key", "another-" + KEY);
    StoreConfig.put(prefix, "security.admin-prefix-rule", true);
    assertThatThrownBy(() -> Main.applyModeDefaults("user", prefix)).hasMessageContaining("ADMIN_PREFIX_RULE");

    JsonObject shortAdmin = defaults();
    StoreConfig.put(shortAdmin, "user.bootstrap-admin.username", "root");
    StoreConfig.put(shortAdmin, "user.bootstrap-admin.password", "admin123");
    assertThatThrownBy(() -> Main.applyModeDefaults("all", shortAdmin)).hasMessageContaining("ADMIN_PASSWORD");
  }

  @Test
  void aKeyNothingReadsIsAStartUpErrorNamingIt() {
    assertThat(StoreConfig.unknownKeys(defaults())).as("the packaged defaults").isEmpty();
    JsonObject typo = defaults();
    StoreConfig.put(typo, "http.prot", 9090);
    StoreConfig.put(typo, "casandra.host", "db");
    assertThat(StoreConfig.unknownKeys(typo)).containsExactly("casandra.host", "http.prot");
    assertThatThrownBy(() -> Main.applyModeDefaults("all", typo)).hasMessageContaining("http.prot")
        .hasMessageContaining("casandra.host");
    JsonObject fromVariables = defaults(); // every variable's key is known, in the yaml or not
    fromVariables.mergeIn(StoreConfig.overrides(java.util.Map.of("HTTP_PORT", "9999", "CASSANDRA_PORT", "9043")), true);
    assertThat(StoreConfig.unknownKeys(fromVariables)).isEmpty();
  }

  @Test
  void theDefaultCorsListIsThisMachineOnly() {
    assertThat(StoreConfig.array(defaults(), "security.cors-origins")).isEmpty();
    assertThat("http://localhost:3000").matches(store.platform.HttpVerticle.LOCAL_ORIGINS);
    assertThat("https://evil.example").doesNotMatch(store.platform.HttpVerticle.LOCAL_ORIGINS);
  }
}
