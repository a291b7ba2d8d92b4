package store.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A kept answer (a cached catalog page) is sent as it is, as often as asked, from every event loop at once. */
@ExtendWith(VertxExtension.class)
class KeptAnswersTest {

  @Test
  void aKeptAnswerIsDirectAndReadsAsTheBufferItWasMadeFrom() {
    Buffer encoded = new JsonObject().put("items", List.of("ü", 1)).put("total", 2).toBuffer();
    Buffer kept = Responses.kept(encoded);
    assertThat(((BufferInternal) kept).getByteBuf().isDirect()).as("written to a socket without a copy").isTrue();
    assertThat(kept).isEqualTo(encoded);
    assertThat(kept.toJsonObject()).isEqualTo(encoded.toJsonObject());
  }

  @Test
  void oneKeptAnswerServesManyRequestsOnTwoEventLoopsWhole(Vertx vertx, VertxTestContext test) throws Exception {
    Buffer encoded = Buffer.buffer("{\"items\":[" + "\"x\",".repeat(2_000) + "\"y\"]}");
    Buffer page = Responses.kept(encoded);
    // two servers on one port, each on its own event loop, writing the same kept answer at the same time
    HttpServer first = vertx.createHttpServer().requestHandler(rq -> rq.response().end(page));
    HttpServer second = vertx.createHttpServer().requestHandler(rq -> rq.response().end(page));
    HttpClient client = vertx.createHttpClient();
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort(); // a port of its own: servers share a port given by number, not port 0
    }
    first.listen(port, "127.0.0.1")
        .compose(s -> second.listen(port, "127.0.0.1"))
        .compose(s -> Future.all(IntStream.range(0, 200).mapToObj(i -> client.request(HttpMethod.GET, port,
            "127.0.0.1", "/page").compose(rq -> rq.send()).compose(rs -> rs.body())).toList()))
        .onComplete(test.succeeding(all -> test.verify(() -> {
          for (int i = 0; i < all.size(); i++) {
            assertThat(all.<Buffer>resultAt(i)).as("answer %d", i).isEqualTo(encoded);
          }
          assertThat(page).as("sending leaves the kept answer as it was").isEqualTo(encoded);
          test.completeNow();
        })));
  }
}
