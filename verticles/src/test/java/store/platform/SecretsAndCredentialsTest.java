package store.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Keys, internal credentials and the failure limiter: pure logic, no Cassandra. */
class SecretsAndCredentialsTest {
  private static final String USER_KEY = "unit-user-key-0123456789abcdef0123";
  private static final String INTERNAL_KEY = "unit-internal-key-0123456789abcdef";
  private static Vertx vertx;
  private static Auth auth;

  @BeforeAll
  static void authorities() {
    vertx = Vertx.vertx();
    auth = new Auth(vertx, USER_KEY, INTERNAL_KEY, 30, null);
  }

  @AfterAll
  static void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static <T> Throwable failure(io.vertx.core.Future<T> future) throws Exception {
    try {
      future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      return null;
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    }
  }

  @Test
  void shortOrSharedKeysAreRefusedWithAHowTo() {
    assertThatThrownBy(() -> new Auth(vertx, "change-me", INTERNAL_KEY, 30, null))
        .hasMessageContaining("SECRET_KEY").hasMessageContaining("32 bytes").hasMessageContaining("openssl rand");
    assertThatThrownBy(() -> new Auth(vertx, USER_KEY, "short", 30, null)).hasMessageContaining("INTERNAL_KEY");
    assertThatThrownBy(() -> new Auth(vertx, USER_KEY, USER_KEY, 30, null)).hasMessageContaining("must differ");
  }

  @Test
  void secretsFromTheEnvironmentStayTextAndListsAreSplit() {
    JsonObject config = StoreConfig.overrides(Map.of("SECRET_KEY", "000123", "INTERNAL_KEY", "true",
        "HTTP_PORT", "8090", "CORS_ORIGINS", "https://shop.example, http://localhost:3000"));
    assertThat(StoreConfig.get(config, "security.secret-key")).isEqualTo("000123");
    assertThat(StoreConfig.get(config, "security.internal-key")).isEqualTo("true");
    assertThat(StoreConfig.get(config, "http.port")).isEqualTo(8090);
    assertThat(StoreConfig.get(config, "security.cors-origins"))
        .isEqualTo(new JsonArray().add("https://shop.example").add("http://localhost:3000"));
  }

  @Test
  void secretsThatAConfigFileTypedAreRefusedNotConverted() {
    // what vertx-config's YAML reader makes of an unquoted all-digit key and an unquoted boolean
    JsonObject typed = new JsonObject(new org.yaml.snakeyaml.Yaml().<Map<String, Object>>load(
        "security:\n  secret-key: 1234567890123456789012345678901234567890\n  internal-key: true\n"
            + "http:\n  port: 8090\n"));
    assertThat(StoreConfig.nonTextSecrets(typed))
        .containsExactlyInAnyOrder("security.secret-key (SECRET_KEY)", "security.internal-key (INTERNAL_KEY)");
    JsonObject quoted = new JsonObject(new org.yaml.snakeyaml.Yaml().<Map<String, Object>>load(
        "security:\n  secret-key: '0123456789012345678901234567890123456789'\n  internal-key: 'true'\n"));
    assertThat(StoreConfig.nonTextSecrets(quoted)).isEmpty();
  }

  @Test
  void anInternalCredentialOpensOneOperationOfOneServiceOnly() throws Exception {
    Caller alice = new Caller("alice", false);
    String credential = auth.issueInternalCredential("cart", "catalog", "get-product", alice);
    Auth.InternalCaller verified = auth.verifyInternalCredential(credential, "catalog", "get-product")
        .toCompletionStage().toCompletableFuture().get();
    assertThat(verified.service()).isEqualTo("cart");
    assertThat(verified.caller()).isEqualTo(alice);

    assertThat(failure(auth.verifyInternalCredential(credential, "catalog", "reserve")))
        .as("another operation").isInstanceOf(ProblemException.class);
    assertThat(failure(auth.verifyInternalCredential(credential, "order", "get-product")))
        .as("another service").isInstanceOf(ProblemException.class);
    Auth otherKey = new Auth(vertx, USER_KEY, "another-internal-key-0123456789abcdef", 30, null);
    assertThat(failure(otherKey.verifyInternalCredential(credential, "catalog", "get-product")))
        .as("another internal key").isInstanceOf(ProblemException.class);
    // a user token, even with the same claims, is signed with the other key
    String userToken = auth.issueUserToken("alice", new Accounts.State(0, true));
    assertThat(failure(auth.verifyInternalCredential(userToken, "catalog", "get-product")))
        .as("a user token on the internal door").isInstanceOf(ProblemException.class);
  }

  @Test
  void anInternalCredentialLivesSeconds() throws Exception {
    String credential = auth.issueInternalCredential("cart", "catalog", "get-product", new Caller("bob", false));
    JsonObject claims = new JsonObject(new String(java.util.Base64.getUrlDecoder().decode(credential.split("\\.")[1]),
        java.nio.charset.StandardCharsets.UTF_8));
    assertThat(claims.getLong("exp") - claims.getLong("iat")).isBetween(1L, 15L);
  }

  @Test
  void onlyFailuresCountAndTheLimitAnswers429WithRetryAfter() {
    AttemptLimiter limiter = new AttemptLimiter("login", 3, Duration.ofSeconds(30));
    for (int i = 0; i < 100; i++) {
      limiter.check("address:10.0.0.1"); // successes are never counted
    }
    limiter.failed("address:10.0.0.1", "user:eve");
    limiter.failed("address:10.0.0.1", "user:eve");
    limiter.check("address:10.0.0.1");
    limiter.failed("address:10.0.0.1", "user:eve");
    assertThatThrownBy(() -> limiter.check("address:10.0.0.2", "user:eve"))
        .isInstanceOfSatisfying(ProblemException.class, p -> {
          assertThat(p.status()).isEqualTo(429);
          assertThat(p.retryAfterSeconds()).isBetween(1, 30);
        });
    limiter.check("address:10.0.0.2", "user:mallory"); // other keys are not affected
  }

  @Test
  void securityComesFromTheOperationOrTheDocument() {
    JsonObject secured = new JsonObject().put("security", new JsonArray().add(new JsonObject().put("bearerAuth",
        new JsonArray())));
    assertThat(ContractRouter.secured(secured, new JsonObject())).isTrue();
    assertThat(ContractRouter.secured(secured, new JsonObject().put("security", new JsonArray()))).isFalse();
    assertThat(ContractRouter.secured(new JsonObject(), new JsonObject())).isFalse();
    assertThat(ContractRouter.secured(new JsonObject(), new JsonObject().put("security",
        new JsonArray().add(new JsonObject())))).as("an empty alternative means optional").isFalse();
  }
}
