package store.platform;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Configuration, 12-factor style, through vertx-config: the defaults packaged in the jar
 * ({@code conf/application.yaml}), then {@code ./conf/application.yaml} if present, then environment variables
 * (the seed's names, plus a few of ours), then {@code -D} system properties named like the env variables.
 */
public final class StoreConfig {

  /** Environment variable → dotted config key. */
  public static final Map<String, String> ENVIRONMENT = new LinkedHashMap<>();

  static {
    ENVIRONMENT.put("PROFILE", "profile");
    ENVIRONMENT.put("HTTP_HOST", "http.host");
    ENVIRONMENT.put("HTTP_PORT", "http.port");
    ENVIRONMENT.put("INTERNAL_HOST", "internal.host");
    ENVIRONMENT.put("INTERNAL_PORT", "internal.port");
    ENVIRONMENT.put("HTTP_INSTANCES", "http.instances");
    ENVIRONMENT.put("HTTP_DRAIN_MS", "http.drain-ms");
    ENVIRONMENT.put("HTTP_COMPRESSION", "http.compression");
    ENVIRONMENT.put("SCHEMA_MIGRATE", "schema.migrate");
    ENVIRONMENT.put("SCHEMA_WAIT_SECONDS", "schema.wait-seconds");
    ENVIRONMENT.put("HELLO_ROUTE", "http.hello-route");
    ENVIRONMENT.put("PROFILES_DIR", "profiles.dir");
    ENVIRONMENT.put("SECRET_KEY", "security.secret-key");
    ENVIRONMENT.put("INTERNAL_KEY", "security.internal-key");
    ENVIRONMENT.put("TRUSTED_PROXIES", "security.trusted-proxies");
    ENVIRONMENT.put("TOKEN_MINUTES", "security.token-minutes");
    ENVIRONMENT.put("ADMIN_PREFIX_RULE", "security.admin-prefix-rule");
    ENVIRONMENT.put("BCRYPT_COST", "security.bcrypt-cost");
    ENVIRONMENT.put("CORS_ORIGINS", "security.cors-origins");
    ENVIRONMENT.put("CASSANDRA_HOST", "cassandra.host");
    ENVIRONMENT.put("CASSANDRA_PORT", "cassandra.port");
    ENVIRONMENT.put("CASSANDRA_WAIT_SECONDS", "cassandra.wait-seconds");
    ENVIRONMENT.put("CASSANDRA_USERNAME", "cassandra.username");
    ENVIRONMENT.put("CASSANDRA_PASSWORD", "cassandra.password");
    ENVIRONMENT.put("CASSANDRA_SSL", "cassandra.ssl");
    ENVIRONMENT.put("CASSANDRA_DC", "cassandra.datacenter");
    ENVIRONMENT.put("CASSANDRA_KEYSPACE", "cassandra.keyspace");
    ENVIRONMENT.put("CASSANDRA_REPLICATION_FACTOR", "cassandra.replication-factor");
    ENVIRONMENT.put("CASSANDRA_REPLICATION", "cassandra.replication");
    ENVIRONMENT.put("CASSANDRA_CONSISTENCY", "cassandra.consistency");
    ENVIRONMENT.put("CASSANDRA_SERIAL_CONSISTENCY", "cassandra.serial-consistency");
    ENVIRONMENT.put("CASSANDRA_NODES", "cassandra.embedded.nodes");
    ENVIRONMENT.put("CASSANDRA_DATA_DIR", "cassandra.embedded.data-dir");
    ENVIRONMENT.put("CASSANDRA_HEAP", "cassandra.embedded.heap");
    ENVIRONMENT.put("BACKEND_URL", "services.catalog-url");
    ENVIRONMENT.put("CART_SERVICE_URL", "services.cart-url");
    ENVIRONMENT.put("ORDER_SERVICE_URL", "services.order-url");
    ENVIRONMENT.put("USER_SERVICE_URL", "services.user-url");
    ENVIRONMENT.put("CLIENT_TIMEOUT_MS", "client.timeout-ms");
    ENVIRONMENT.put("CLIENT_RETRIES", "client.retries");
    ENVIRONMENT.put("CLIENT_DNS_REFRESH_MS", "client.dns-refresh-ms");
    ENVIRONMENT.put("BREAKER_MAX_FAILURES", "client.breaker.max-failures");
    ENVIRONMENT.put("BREAKER_RESET_MS", "client.breaker.reset-ms");
    ENVIRONMENT.put("SAMPLE_DATA", "catalog.sample-data");
    ENVIRONMENT.put("CHECKOUT_LEASE_SECONDS", "cart.checkout-lease-seconds");
    ENVIRONMENT.put("DEMO_USERS", "user.demo-users-enabled");
    ENVIRONMENT.put("ADMIN_USERNAME", "user.bootstrap-admin.username");
    ENVIRONMENT.put("ADMIN_PASSWORD", "user.bootstrap-admin.password");
    ENVIRONMENT.put("ORDER_PROCESSING_DELAY_MS", "order.lifecycle.processing-ms");
    ENVIRONMENT.put("ORDER_SHIPPING_DELAY_MS", "order.lifecycle.shipping-ms");
    ENVIRONMENT.put("ORDER_DELIVERY_MIN_MS", "order.lifecycle.delivery-min-ms");
    ENVIRONMENT.put("ORDER_DELIVERY_MAX_MS", "order.lifecycle.delivery-max-ms");
    ENVIRONMENT.put("ORDER_RETENTION_MS", "order.lifecycle.retention-ms");
    ENVIRONMENT.put("ORDER_POLL_MS", "order.lifecycle.poll-ms");
    ENVIRONMENT.put("ORDER_INTENT_GRACE_MS", "order.lifecycle.intent-grace-ms");
    ENVIRONMENT.put("DOCS_SITE_DIR", "docs.site-dir");
  }

  /**
   * Variables that are always text: a secret of digits must stay the secret it is (typing "00123" as the number 123
   * would silently change a key), and a comma list is split, never guessed at.
   */
  static final java.util.Set<String> TEXT = java.util.Set.of("SECRET_KEY", "INTERNAL_KEY", "ADMIN_USERNAME",
      "ADMIN_PASSWORD", "CASSANDRA_USERNAME", "CASSANDRA_PASSWORD", "CASSANDRA_HOST", "HTTP_HOST", "INTERNAL_HOST");
  /** Variables holding comma-separated lists. */
  static final java.util.Set<String> LISTS = java.util.Set.of("CORS_ORIGINS", "TRUSTED_PROXIES");

  private StoreConfig() {
  }

  public static Future<JsonObject> load(Vertx vertx) {
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().setScanPeriod(0)
        .addStore(new ConfigStoreOptions().setType("json").setConfig(packagedDefaults()));
    if (Files.isRegularFile(Path.of("conf/application.yaml"))) {
      options.addStore(new ConfigStoreOptions().setType("file").setFormat("yaml")
          .setConfig(new JsonObject().put("path", Path.of("conf/application.yaml").toAbsolutePath().toString())));
    }
    options.addStore(new ConfigStoreOptions().setType("json").setConfig(overrides(System.getenv())));
    options.addStore(new ConfigStoreOptions().setType("json").setConfig(overrides(systemProperties())));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig().andThen(ar -> retriever.close()).compose(config -> {
      List<String> typed = nonTextSecrets(config);
      return typed.isEmpty() ? Future.succeededFuture(config) : Future.failedFuture(new IllegalArgumentException(
          "These settings must be text, but a config file gave them as numbers or booleans (YAML reads an unquoted "
              + "123456 or true that way, and the key would silently change): " + typed + ". Quote the value."));
    });
  }

  /**
   * Secrets, names and hosts that a config file typed (an unquoted all-digit key is a number to YAML): refused rather
   * than turned back into text, which could differ from what was written ({@code 0123} → 123, {@code 1e3} → 1000.0).
   */
  public static List<String> nonTextSecrets(JsonObject config) {
    return TEXT.stream().sorted().filter(name -> {
      Object value = get(config, ENVIRONMENT.get(name));
      return value != null && !(value instanceof String);
    }).map(name -> ENVIRONMENT.get(name) + " (" + name + ")").toList();
  }

  private static Map<String, String> systemProperties() {
    Map<String, String> props = new LinkedHashMap<>();
    System.getProperties().forEach((k, v) -> props.put(k.toString(), v.toString()));
    return props;
  }

  /** The yaml defaults in the jar, parsed with the same YAML reader vertx-config uses. */
  public static JsonObject packagedDefaults() {
    try (InputStream in = StoreConfig.class.getClassLoader().getResourceAsStream("conf/application.yaml")) {
      if (in == null) {
        throw new IllegalStateException("conf/application.yaml is missing from the class path");
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      Object parsed = new org.yaml.snakeyaml.Yaml().load(text);
      return JsonObject.of().mergeIn(new JsonObject(toJsonMap(parsed)), true);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> toJsonMap(Object yaml) {
    return (Map<String, Object>) new JsonObject((Map<String, Object>) yaml).copy().getMap();
  }

  public static JsonObject overrides(Map<String, String> variables) {
    JsonObject result = new JsonObject();
    ENVIRONMENT.forEach((name, key) -> {
      String value = variables.get(name);
      if (value != null && !value.isEmpty()) {
        put(result, key, TEXT.contains(name) ? value : LISTS.contains(name) ? list(value) : typed(value));
      }
    });
    return result;
  }

  private static JsonArray list(String value) {
    JsonArray items = new JsonArray();
    for (String item : value.split(",")) {
      if (!item.isBlank()) {
        items.add(item.strip());
      }
    }
    return items;
  }

  private static Object typed(String value) {
    if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(value);
    }
    if (value.matches("-?\\d{1,9}")) {
      return Integer.parseInt(value);
    }
    return value;
  }

  /**
   * Keys of {@code config} that nothing reads: not in the packaged defaults and set by no variable. A typo in
   * {@code ./conf/application.yaml} ({@code http.prot: 9090}) would otherwise be ignored in silence.
   */
  public static List<String> unknownKeys(JsonObject config) {
    java.util.Set<String> known = new java.util.TreeSet<>(ENVIRONMENT.values());
    leaves("", packagedDefaults(), known);
    java.util.Set<String> present = new java.util.TreeSet<>();
    leaves("", config, present);
    present.removeAll(known);
    return List.copyOf(present);
  }

  private static void leaves(String prefix, JsonObject node, java.util.Set<String> out) {
    for (String field : node.fieldNames()) {
      Object value = node.getValue(field);
      if (value instanceof JsonObject child && !child.isEmpty()) {
        leaves(prefix + field + ".", child, out);
      } else {
        out.add(prefix + field); // a value, a list (demo users) or an empty section
      }
    }
  }

  /** Sets a dotted key, creating the objects on the way. */
  public static void put(JsonObject target, String dottedKey, Object value) {
    String[] parts = dottedKey.split("\\.");
    JsonObject node = target;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject next = node.getJsonObject(parts[i]);
      if (next == null) {
        next = new JsonObject();
        node.put(parts[i], next);
      }
      node = next;
    }
    node.put(parts[parts.length - 1], value);
  }

  /** Reads a dotted key, or null. */
  public static Object get(JsonObject config, String dottedKey) {
    Object node = config;
    for (String part : dottedKey.split("\\.")) {
      if (!(node instanceof JsonObject object)) {
        return null;
      }
      node = object.getValue(part);
    }
    return node;
  }

  public static String string(JsonObject config, String key, String fallback) {
    Object v = get(config, key);
    return v == null || v.toString().isEmpty() ? fallback : v.toString();
  }

  public static int integer(JsonObject config, String key, int fallback) {
    Object v = get(config, key);
    return v instanceof Number n ? n.intValue() : v == null ? fallback : Integer.parseInt(v.toString());
  }

  public static long longValue(JsonObject config, String key, long fallback) {
    Object v = get(config, key);
    return v instanceof Number n ? n.longValue() : v == null ? fallback : Long.parseLong(v.toString());
  }

  public static boolean bool(JsonObject config, String key, boolean fallback) {
    Object v = get(config, key);
    return v instanceof Boolean b ? b : v == null ? fallback : Boolean.parseBoolean(v.toString());
  }

  public static JsonArray array(JsonObject config, String key) {
    Object v = get(config, key);
    return v instanceof JsonArray a ? a : new JsonArray();
  }
}
