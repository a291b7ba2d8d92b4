package store.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import store.testing.StoreApi;
import store.testing.StoreApi.Response;
import store.testing.StoreProcess;
import store.testing.TestStore;

/**
 * The fat jar in the prod profile, as a container runs it: no demo users, roles only from the bootstrap admin and
 * the operator's commands, tokens revoked on the next request after a role change or deletion, and start-up refusals
 * for weak keys and for a Cassandra node that is not this data directory's.
 */
class AccountAdministrationIT {
  private static final int PORT = 18280;
  private static final String ROOT = "root_admin";
  private static final String ROOT_PASSWORD = "root-admin-password";
  private static final Path WORK = Path.of("target", "account-it");
  private static StoreProcess store;
  private static Vertx vertx;
  private static StoreApi api;

  private static Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("PROFILE", "prod");
    env.put("SECRET_KEY", TestStore.SECRET);
    env.put("INTERNAL_KEY", TestStore.INTERNAL_KEY);
    env.put("CASSANDRA_HOST", "127.0.0.1");
    env.put("CASSANDRA_PORT", Integer.toString(TestStore.CASSANDRA_PORT));
    env.put("CASSANDRA_KEYSPACE", "account_it_" + System.currentTimeMillis() % 100000);
    env.put("ADMIN_USERNAME", ROOT);
    env.put("ADMIN_PASSWORD", ROOT_PASSWORD);
    env.put("HTTP_INSTANCES", "1");
    return env;
  }

  private static final Map<String, String> ENV = env();

  @BeforeAll
  static void start() throws Exception {
    TestStore.cassandra();
    store = new StoreProcess(null, PORT, ENV, WORK).start();
    vertx = Vertx.vertx();
    api = StoreApi.allInOne(vertx, "http://127.0.0.1:" + PORT);
  }

  @AfterAll
  static void stop() throws Exception {
    if (store != null) {
      store.stop();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Runs {@code java -jar product-store.jar <args>} with the store's environment; answers exit code and output. */
  private static Map.Entry<Integer, String> launcher(Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", TestStore.fatJar().toString()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile("launcher", ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("%s returns", List.of(args)).isTrue();
    return Map.entry(process.exitValue(), Files.readString(out));
  }

  private static Response createProduct(String token) {
    return api.post("catalog", "/products/", token, new JsonObject().put("name", "Admin Only")
        .put("category", "account-it").put("price", 2).put("stock_count", 1));
  }

  /** The users whose carts the admin's list of carts shows (this store's keyspace holds a handful). */
  private static List<String> cartOwners(String admin) {
    Response carts = api.get("cart", "/carts/?limit=500", admin);
    assertThat(carts.status()).as(carts.toString()).isEqualTo(200);
    return carts.array().stream().map(c -> ((JsonObject) c).getString("username")).toList();
  }

  private static void registers(String name, String password) {
    Response registered = api.post("user", "/users/register", null, new JsonObject().put("username", name)
        .put("full_name", "Someone").put("phone", "+100200300").put("password", password));
    assertThat(registered.status()).as(registered.toString()).isEqualTo(200);
    assertThat(registered.json().getBoolean("is_admin")).isFalse();
  }

  @Test
  void rolesComeFromTheOperatorAndChangesRevokeTokensOnTheNextRequest() throws Exception {
    // the name the old configuration made admin on registration, with no demo users to take it first
    registers("swagger_admin", "picked-the-admin-name");
    String squatter = api.login("swagger_admin", "picked-the-admin-name");
    assertThat(createProduct(squatter).status()).isEqualTo(403);
    assertThat(api.post("user", "/token", null, io.vertx.core.MultiMap.caseInsensitiveMultiMap()
        .add("username", "swagger_admin").add("password", "admin123")).status())
        .as("no demo admin in prod").isEqualTo(401);

    String root = api.login(ROOT, ROOT_PASSWORD);
    assertThat(createProduct(root).status()).as("the bootstrap admin").isEqualTo(201);

    String name = "promoted_" + UUID.randomUUID().toString().substring(0, 6);
    registers(name, "promoted-password");
    String before = api.login(name, "promoted-password");
    Map.Entry<Integer, String> granted = launcher(ENV, "grant-admin", name);
    assertThat(granted.getKey()).as(granted.getValue()).isZero();
    Response stale = StoreApi.eventually(Duration.ofSeconds(5), () -> api.get("cart", "/cart/", before),
        r -> r.status() == 401);
    assertThat(stale.status()).as("a token from before the grant").isEqualTo(401);
    String admin = api.login(name, "promoted-password");
    assertThat(createProduct(admin).status()).isEqualTo(201);

    assertThat(launcher(ENV, "revoke-admin", name).getKey()).isZero();
    Response demoted = StoreApi.eventually(Duration.ofSeconds(5), () -> createProduct(admin),
        r -> r.status() != 201);
    assertThat(demoted.status()).as("the admin's token after the demotion").isEqualTo(401);
    assertThat(createProduct(api.login(name, "promoted-password")).status()).isEqualTo(403);

    String last = api.login(name, "promoted-password");
    String productId = createProduct(root).json().getString("product_id");
    assertThat(api.addToCart(last, productId, 1).status()).isEqualTo(200);
    assertThat(cartOwners(root)).contains(name);
    Map.Entry<Integer, String> deleted = launcher(ENV, "delete-user", name);
    assertThat(deleted.getKey()).as(deleted.getValue()).isZero();
    assertThat(cartOwners(root)).as("the deleted account's cart, erased").doesNotContain(name);
    assertThat(StoreApi.eventually(Duration.ofSeconds(5), () -> api.get("cart", "/cart/", last),
        r -> r.status() == 401).status()).isEqualTo(401);
    assertThat(api.post("user", "/token", null, io.vertx.core.MultiMap.caseInsensitiveMultiMap()
        .add("username", name).add("password", "promoted-password")).status()).isEqualTo(401);
    // the name is retired: its cart and orders are keyed by it, so nobody else may hold it
    Response again = api.post("user", "/users/register", null, new JsonObject().put("username", name)
        .put("full_name", "Someone Else").put("phone", "+100200300").put("password", "the-new-owners-password"));
    assertThat(again.status()).as(again.toString()).isEqualTo(400);
    assertThat(api.get("cart", "/cart/", before).status()).as("the deleted account's first token").isEqualTo(401);
    assertThat(api.get("cart", "/cart/", last).status()).as("the deleted account's last token").isEqualTo(401);
    assertThat(launcher(ENV, "grant-admin", "nobody_" + UUID.randomUUID().toString().substring(0, 6)).getKey())
        .as("an unknown account").isEqualTo(1);
  }

  @Test
  void weakKeysAreRefusedAtStartWithAHowTo() throws Exception {
    Map<String, String> weak = new HashMap<>(ENV);
    weak.put("SECRET_KEY", "change-me");
    weak.put("HTTP_PORT", "18281");
    Map.Entry<Integer, String> refused = launcher(weak);
    assertThat(refused.getKey()).isNotZero();
    assertThat(refused.getValue()).contains("SECRET_KEY must be at least 32 bytes").contains("openssl rand");
  }

  @Test
  void aCassandraNodeThatIsNotThisDataDirectorysIsNotReused() throws Exception {
    Map<String, String> other = new HashMap<>(ENV);
    other.remove("CASSANDRA_HOST"); // embedded mode, on the port where the test node (another data dir) answers
    other.put("CASSANDRA_DATA_DIR", Files.createTempDirectory("other-checkout").toString());
    other.put("HTTP_PORT", "18282");
    other.put("CASSANDRA_LIB", Path.of(System.getProperty("cassandra.lib")).toAbsolutePath().normalize().toString());
    Map.Entry<Integer, String> refused = launcher(other);
    assertThat(refused.getKey()).as(refused.getValue()).isNotZero();
    assertThat(refused.getValue()).contains("is not the embedded node of");
  }

  /**
   * The compose stack as committed, with the committed example env file: every store service, given the environment
   * docker-compose resolves for it, refuses to start and says which secret to set. Needs Debian's docker-compose
   * (to resolve the file; no engine) and python3-yaml; outside CI they may be missing, visibly.
   */
  @Test
  void theComposeStackRefusesToStartWithTheExampleSecrets() throws Exception {
    boolean tools = new ProcessBuilder("sh", "-c", "command -v docker-compose && python3 -c 'import yaml'").start()
        .waitFor() == 0;
    if (!tools) {
      assertThat(System.getenv("CI")).as("CI must install docker-compose and python3-yaml").isNotEqualTo("true");
      org.junit.jupiter.api.Assumptions.abort("SKIP: docker-compose or python3-yaml not installed");
    }
    Path repo = Path.of("..").toAbsolutePath().normalize();
    Path resolved = Files.createTempFile("compose", ".json");
    Process config = new ProcessBuilder("sh", "-c", "docker-compose --env-file .env.example -f docker-compose.yml "
        + "config | python3 -c 'import sys, yaml, json; json.dump(yaml.safe_load(sys.stdin)[\"services\"], "
        + "sys.stdout)'").directory(repo.toFile()).redirectOutput(resolved.toFile()).start();
    assertThat(config.waitFor(1, TimeUnit.MINUTES)).isTrue();
    assertThat(config.exitValue()).isZero();
    JsonObject services = new JsonObject(Files.readString(resolved));
    int port = 18290;
    for (String service : List.of("catalog-1", "cart-1", "order-1", "user-1")) {
      JsonObject compose = services.getJsonObject(service);
      Map<String, String> env = new HashMap<>();
      compose.getJsonObject("environment").forEach(e -> env.put(e.getKey(), String.valueOf(e.getValue())));
      assertThat(env.get("SECRET_KEY")).as("%s gets the example's key", service).startsWith("CHANGE_ME");
      env.put("HTTP_PORT", Integer.toString(port++)); // compose's own ports, moved off this machine's
      env.put("CASSANDRA_WAIT_SECONDS", "1");
      Map.Entry<Integer, String> refused = launcher(env, compose.getJsonArray("command").getString(0));
      assertThat(refused.getKey()).as("%s:%n%s", service, refused.getValue()).isNotZero();
      assertThat(refused.getValue()).as(service).contains("SECRET_KEY must be at least 32 bytes")
          .doesNotContain("listening on");
    }
  }
}
