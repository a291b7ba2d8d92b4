package store.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import store.testing.StoreProcess;
import store.testing.TestStore;

/**
 * The exporter compose configures for Jaeger ({@code OTEL_TRACES_EXPORTER=otlp}, an {@code http://…:4317}
 * endpoint): OTLP over gRPC. A receiver in the test speaks the protocol's transport (HTTP/2 without TLS, gRPC
 * framing, {@code grpc-status} trailer) and keeps what it is sent; a request sent with a known W3C trace id must
 * arrive there as an export carrying that id, from the service named by {@code OTEL_SERVICE_NAME}.
 */
class OtlpExportIT {
  private static final int PORT = 18725;
  private static final String EXPORT_PATH = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
  private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
  private Vertx vertx;
  private StoreProcess store;

  private record Received(String path, String contentType, byte[] body) {
  }

  @AfterEach
  void stop() throws Exception {
    if (store != null) {
      store.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aTracedRequestIsExportedOverOtlpGrpc() throws Exception {
    vertx = Vertx.vertx();
    HttpServer receiver = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(true))
        .requestHandler(request -> request.body().onSuccess(body -> {
          received.add(new Received(request.path(), request.getHeader("content-type"), body.getBytes()));
          // an empty ExportTraceServiceResponse in one gRPC frame (not compressed, length 0), then status OK
          request.response().putHeader("content-type", "application/grpc").putTrailer("grpc-status", "0")
              .end(Buffer.buffer(new byte[5]));
        }));
    int receiverPort = receiver.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS).actualPort();

    TestStore.cassandra();
    Map<String, String> env = new HashMap<>();
    env.put("OTEL_TRACES_EXPORTER", "otlp");
    env.put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + receiverPort);
    env.put("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
    env.put("OTEL_SERVICE_NAME", "otlp-it-store");
    env.put("OTEL_BSP_SCHEDULE_DELAY", "200"); // export within a fraction of a second
    env.put("SECRET_KEY", TestStore.SECRET);
    env.put("CASSANDRA_HOST", "127.0.0.1");
    env.put("CASSANDRA_PORT", Integer.toString(TestStore.CASSANDRA_PORT));
    env.put("PROFILE", "dev");
    env.put("SAMPLE_DATA", "false");
    store = new StoreProcess(null, PORT, env, Path.of("target", "otlp-it").toAbsolutePath()).start();

    byte[] traceId = new byte[16];
    ThreadLocalRandom.current().nextBytes(traceId);
    String hex = HexFormat.of().formatHex(traceId);
    HttpResponse<String> login = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + PORT + "/user-api/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("traceparent", "00-" + hex + "-00f067aa0ba902b7-01")
        .POST(HttpRequest.BodyPublishers.ofString("username=swagger_user&password=password123")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(login.statusCode()).as(login.body()).isEqualTo(200);

    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    Received export = null;
    while (export == null && System.nanoTime() < deadline) {
      export = received.stream().filter(r -> contains(r.body(), traceId)).findFirst().orElse(null);
      Thread.sleep(100);
    }
    assertThat(export).as("an export carrying trace %s (received %d requests)", hex, received.size()).isNotNull();
    assertThat(export.path()).isEqualTo(EXPORT_PATH);
    assertThat(export.contentType()).startsWith("application/grpc");
    assertThat(contains(export.body(), "otlp-it-store".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .as("the resource names the service").isTrue();
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
