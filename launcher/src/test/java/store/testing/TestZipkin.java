package store.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A real trace backend for the integration tests: Zipkin's server jar (copied from Maven Central by the build), one per
 * test JVM, with its in-memory store; and what a test asks of it: the spans of one trace.
 */
public final class TestZipkin {
  public static final int PORT = Integer.getInteger("test.zipkin.port", 18411);
  private static Process server;

  private TestZipkin() {
  }

  /** Starts the server once; answers the environment that sends a process's spans to it, at once (100 % sampled). */
  public static synchronized Map<String, String> start() throws Exception {
    if (server == null) {
      Path jar = Path.of("target", "zipkin", "zipkin-server.jar");
      assertThat(jar).as("the build copies Zipkin's server (maven-dependency-plugin, pre-integration-test)").exists();
      Path log = Path.of("target", "zipkin", "zipkin.log");
      ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx384m", "-jar", jar.toString()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      builder.environment().put("QUERY_PORT", Integer.toString(PORT));
      server = builder.start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> server.destroyForcibly()));
      StoreApi.eventually(Duration.ofMinutes(2), () -> get("/health"), body -> body != null && body.contains("UP"));
    }
    Map<String, String> env = new HashMap<>();
    env.put("OTEL_TRACES_EXPORTER", "zipkin");
    env.put("OTEL_EXPORTER_ZIPKIN_ENDPOINT", "http://127.0.0.1:" + PORT + "/api/v2/spans");
    env.put("OTEL_BSP_SCHEDULE_DELAY", "200");
    env.put("OTEL_TRACES_SAMPLER", "always_on");
    return env;
  }

  private static String get(String path) {
    try {
      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + PORT + path)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? response.body() : null;
    } catch (Exception notYet) {
      return null;
    }
  }

  /** The trace id an access log gave to the request with this request id. */
  public static String traceIdOf(String requestId, File... logs) {
    return StoreApi.eventually(Duration.ofSeconds(10), () -> {
      for (File log : logs) {
        try {
          for (String line : Files.readAllLines(log.toPath())) {
            if (line.contains("rid=" + requestId + " ") && line.contains(" trace=")) {
              return line.substring(line.indexOf(" trace=") + 7).trim();
            }
          }
        } catch (java.io.IOException e) {
          // not written yet
        }
      }
      return null;
    }, id -> id != null);
  }

  /** The spans of one trace, once Zipkin has at least the ones that satisfy {@code complete}. */
  public static List<JsonObject> trace(String traceId, java.util.function.Predicate<List<JsonObject>> complete) {
    return StoreApi.eventually(Duration.ofSeconds(20), () -> {
      String body = get("/api/v2/trace/" + traceId);
      return body == null ? List.<JsonObject>of()
          : new JsonArray(body).stream().map(JsonObject.class::cast).toList();
    }, complete);
  }

  public static Set<String> serviceNames(List<JsonObject> spans) {
    return spans.stream().map(s -> s.getJsonObject("localEndpoint", new JsonObject()).getString("serviceName"))
        .collect(Collectors.toSet());
  }

  public static Set<String> spanNames(List<JsonObject> spans) {
    return spans.stream().map(s -> s.getString("name")).collect(Collectors.toSet());
  }

  public static String tag(JsonObject span, String tag) {
    return span.getJsonObject("tags", new JsonObject()).getString(tag);
  }

  /**
   * Places one order through the user service (user → cart → order → catalog reserve-ordered → user notification) and
   * answers the checkout's spans, found through the trace id the user service's access log gave its request id.
   */
  public static List<JsonObject> checkoutTrace(StoreApi api, String admin, File... logs) {
    String suffix = java.util.UUID.randomUUID().toString().substring(0, 8);
    String productId = api.createProduct(admin, "traced-" + suffix, "Traced Kettle", 20, 5);
    String token = api.registerAndLogin("traced_" + suffix, "s3cret-pass");
    assertThat(api.addToCart(token, productId, 2).status()).isEqualTo(200);
    StoreApi.Response ordered = api.post("user", "/users/me/orders", token, null);
    assertThat(ordered.status()).as(ordered.toString()).isEqualTo(200);
    String requestId = ordered.headers().get("X-Request-ID");
    String traceId = traceIdOf(requestId, logs);
    assertThat(traceId).as("the access log line of request %s names its trace", requestId).matches("[0-9a-f]{32}");
    // the whole trace: its root (the user service's server span, which ends last and so is exported last), the
    // business steps and the order's insert
    List<JsonObject> spans = trace(traceId, found -> found.stream().anyMatch(s -> !s.containsKey("parentId"))
        && spanNames(found).containsAll(List.of("cart.checkout", "catalog.reserve-ordered"))
        && found.stream().anyMatch(s -> String.valueOf(tag(s, "db.query.text")).startsWith("INSERT INTO orders ")));
    assertThat(spans).as("trace %s", traceId).allMatch(s -> traceId.equals(s.getString("traceId")));
    assertThat(spanNames(spans)).as("business steps").contains("cart.checkout", "catalog.reserve-ordered");
    // every Cassandra statement of the checkout is a span of the same trace: the cart's, the catalog's, the order's
    List<String> statements = spans.stream().filter(s -> "cassandra".equals(tag(s, "db.system")))
        .map(s -> tag(s, "db.query.text")).toList();
    assertThat(statements).anyMatch(q -> q.contains("FROM cart_items"))
        .anyMatch(q -> q.contains("stock_reservations"))
        .anyMatch(q -> q.startsWith("INSERT INTO orders "));
    return spans;
  }
}
