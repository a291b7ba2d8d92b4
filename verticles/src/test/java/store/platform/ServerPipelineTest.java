package store.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every request passes every handler of its connection's netty pipeline: the services' listeners have none they do
 * not use (no compressor unless asked for, no WebSocket extensions: the store serves no WebSockets).
 */
@ExtendWith(VertxExtension.class)
class ServerPipelineTest {

  /** Serves one request with the listeners' options; {@code check} gets the handlers of its connection's pipeline. */
  private static void pipelineOf(Vertx vertx, boolean compression, VertxTestContext test,
      java.util.function.Consumer<List<String>> check) {
    vertx.createHttpServer(HttpVerticle.serverOptions(1 << 20, compression)).requestHandler(request -> {
      ChannelPipeline pipeline = ((ConnectionBase) request.connection()).channel().pipeline();
      List<String> handlers = new ArrayList<>();
      for (var entry : pipeline) {
        ChannelHandler handler = entry.getValue();
        handlers.add(handler.getClass().getSimpleName());
      }
      test.verify(() -> check.accept(handlers));
      request.response().end("ok");
    }).listen(0, "127.0.0.1").compose(server -> vertx.createHttpClient()
        .request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
        .compose(request -> request.send().compose(response -> response.body())))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  void noWebSocketExtensionsAndNoCompressorByDefault(Vertx vertx, VertxTestContext test) {
    pipelineOf(vertx, false, test, handlers -> assertThat(handlers).as("the listener's pipeline")
        .isNotEmpty()
        .noneMatch(name -> name.contains("WebSocket"))
        .noneMatch(name -> name.contains("Compressor")));
  }

  @Test
  void theCompressorOnlyWhenAskedFor(Vertx vertx, VertxTestContext test) {
    pipelineOf(vertx, true, test, handlers -> assertThat(handlers).anyMatch(name -> name.contains("Compressor"))
        .noneMatch(name -> name.contains("WebSocket")));
  }
}
