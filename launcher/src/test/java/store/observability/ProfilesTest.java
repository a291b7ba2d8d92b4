package store.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.testing.StoreApi;
import store.testing.StoreApi.Response;
import store.testing.TestStore;

/** An admin records the JVM under load; the recording is listed, downloads, and opens as a flame graph. */
@ExtendWith(VertxExtension.class)
class ProfilesTest {
  private static String baseUrl;

  @BeforeAll
  static void store() throws Exception {
    baseUrl = TestStore.start();
  }

  @Test
  void aProfileRecordedUnderLoadIsListedDownloadsAndHasAFlameGraph(Vertx vertx) {
    StoreApi root = StoreApi.root(vertx, baseUrl);
    StoreApi api = StoreApi.allInOne(vertx, baseUrl);
    String admin = TestStore.token("swagger_admin", true);
    String shopper = TestStore.token("profiled_" + UUID.randomUUID().toString().substring(0, 8), false);

    assertThat(root.post("root", "/profiles/?seconds=2", null, null).status()).isEqualTo(401);
    assertThat(root.post("root", "/profiles/?seconds=2", shopper, null).status()).isEqualTo(403);
    assertThat(root.get("root", "/profiles/", shopper).status()).isEqualTo(403);
    Response invalid = root.post("root", "/profiles/?seconds=100000", admin, null);
    assertThat(invalid.status()).isEqualTo(400);
    assertThat(invalid.body().toString()).contains("seconds");

    Response started = root.post("root", "/profiles/?seconds=2", admin, null);
    assertThat(started.status()).as(started.toString()).isEqualTo(202);
    String name = started.json().getString("name");
    assertThat(root.post("root", "/profiles/?seconds=2", admin, null).status()).as("one at a time").isEqualTo(409);
    long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    while (System.nanoTime() < until) { // load to be profiled: category pages
      api.get("catalog", "/products/?category=profiled", shopper);
    }

    JsonObject entry = StoreApi.eventually(Duration.ofSeconds(15),
        () -> root.get("root", "/profiles/", admin).json().getJsonArray("profiles").stream()
            .map(JsonObject.class::cast).filter(p -> p.getString("name").equals(name)).findFirst().orElse(null),
        e -> e != null);
    assertThat(entry).as("listed").isNotNull();
    assertThat(entry.getLong("size_bytes")).isPositive();

    Response jfr = root.get("root", "/profiles/" + name + ".jfr", admin);
    assertThat(jfr.status()).isEqualTo(200);
    assertThat(jfr.body().getBytes(0, 4)).as("a Flight Recorder file").isEqualTo("FLR\0".getBytes(StandardCharsets.US_ASCII));

    // the listing's signed link opens in a browser without a token; the graph has the store's own frames
    Response graph = root.get("root", entry.getString("flame_graph"), null);
    assertThat(graph.status()).as(graph.toString()).isEqualTo(200);
    assertThat(graph.contentType()).startsWith("text/html");
    String html = graph.body().toString();
    assertThat(html).contains(name).contains("const cpool").contains("vertx"); // frame names, prefix-compressed
    assertThat(html.lines().filter(l -> l.startsWith("f(") || l.startsWith("u(")).count())
        .as("frames in the flame graph").isGreaterThan(50);
    assertThat(root.get("root", "/profiles/" + name + ".html", null).status()).as("unsigned, no token").isEqualTo(401);
    String tampered = entry.getString("flame_graph").replaceFirst("sig=.", "sig=A");
    assertThat(root.get("root", tampered.replace(".html", ".jfr"), null).status()).isEqualTo(401);
  }

  @Test
  void pathsOutsideTheProfilesAreNotFound(Vertx vertx) {
    StoreApi root = StoreApi.root(vertx, baseUrl);
    String admin = TestStore.token("swagger_admin", true);
    for (String path : new String[] {"/profiles/..%2F..%2Fpom.xml", "/profiles/%2e%2e%2f%2e%2e%2fpom.xml",
        "/profiles/../../pom.xml", "/profiles/..%252F..%252Fpom.xml", "/profiles/profile-20260101-000000-1s.jfr",
        "/profiles/profile-20260101-000000-1s.jfr%00.html", "/profiles/%2Fetc%2Fpasswd"}) {
      Response response = root.get("root", path, admin);
      assertThat(response.status()).as(path).isEqualTo(404);
      assertThat(response.body().toString()).as(path).doesNotContain("<project");
    }
  }
}
