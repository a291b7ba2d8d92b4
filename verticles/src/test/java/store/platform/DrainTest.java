package store.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A stopping process refuses new connections but serves one it has just accepted, whose request is still on its way:
 * the request a gateway writes right after connecting is answered, not cut off by the shutdown.
 */
@ExtendWith(VertxExtension.class)
class DrainTest {

  private static <T> T get(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static HttpServer serve(Vertx vertx, Drain drain) throws Exception {
    Router router = Router.router(vertx);
    router.route().handler(drain::handle);
    router.get("/ping").handler(rc -> rc.end("pong"));
    HttpServer server = vertx.createHttpServer(HttpVerticle.serverOptions(1 << 20, false));
    return get(drain.watch(server).requestHandler(router).listen(0, "127.0.0.1"));
  }

  /** Connects, and waits until the server has accepted the connection. */
  private static Socket connectIdle(Drain drain, int port) throws Exception {
    int before = drain.connectionsAwaitingFirstRequest();
    Socket socket = new Socket("127.0.0.1", port);
    for (int i = 0; i < 200 && drain.connectionsAwaitingFirstRequest() == before; i++) {
      Thread.sleep(10);
    }
    assertThat(drain.connectionsAwaitingFirstRequest()).as("the server accepted the connection")
        .isEqualTo(before + 1);
    return socket;
  }

  /** Whether connecting is refused, within a moment: the listener closes on its own event loop. */
  private static boolean refused(int port) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      try {
        new Socket("127.0.0.1", port).close();
        Thread.sleep(10);
      } catch (ConnectException expected) {
        return true;
      } catch (IOException other) {
        throw new java.io.UncheckedIOException(other);
      }
    }
    return false;
  }

  /** One request, and its answer (read up to the body, "pong"). */
  private static String exchange(Socket socket) throws IOException {
    socket.getOutputStream().write("GET /ping HTTP/1.1\r\nHost: store\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    socket.setSoTimeout(5000);
    InputStream in = socket.getInputStream();
    StringBuilder answer = new StringBuilder();
    for (int b = in.read(); b != -1; b = in.read()) {
      answer.append((char) b);
      if (answer.toString().endsWith("pong")) {
        break;
      }
    }
    return answer.toString();
  }

  @Test
  void aConnectionAcceptedBeforeTheListenerClosedIsServedWhileNewOnesAreRefused(Vertx vertx) throws Exception {
    Drain drain = new Drain();
    HttpServer server = serve(vertx, drain);
    int port = server.actualPort();
    try (Socket early = connectIdle(drain, port)) {
      drain.begin();
      Future<Void> stopped = drain.stopAccepting(vertx, 10_000);
      assertThat(refused(port)).as("a new connection is refused").isTrue();
      assertThat(stopped.isComplete()).as("still waiting for the request of the connection accepted before")
          .isFalse();

      String answer = exchange(early);
      assertThat(answer).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close").endsWith("pong");
      get(stopped);
      get(server.shutdown(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void aConnectionThatNeverSendsARequestHoldsTheStopOnlyForThePatience(Vertx vertx) throws Exception {
    Drain drain = new Drain();
    HttpServer server = serve(vertx, drain);
    try (Socket silent = connectIdle(drain, server.actualPort())) {
      drain.begin();
      Future<Void> stopped = drain.stopAccepting(vertx, 1000);
      Thread.sleep(200);
      assertThat(stopped.isComplete()).as("waiting for the silent connection").isFalse();
      get(stopped);
      get(server.shutdown(5, TimeUnit.SECONDS));
      silent.setSoTimeout(5000);
      assertThat(silent.getInputStream().read()).as("closed by the shutdown, unanswered").isEqualTo(-1);
    }
  }

  @Test
  void withNoConnectionWaitingTheStopGoesOnAtOnce(Vertx vertx) throws Exception {
    Drain drain = new Drain();
    HttpServer server = serve(vertx, drain);
    drain.begin();
    get(drain.stopAccepting(vertx, 60_000));
    get(server.shutdown(5, TimeUnit.SECONDS));
  }

  /**
   * The all-in-one stop, as the launcher runs it: a request in progress when the listeners close (a checkout waiting
   * on a service it calls over the event bus) is answered before the verticles go, and their consumers with them.
   */
  @Test
  void aRequestInProgressStillReachesTheServiceItCallsOverTheEventBus(Vertx vertx) throws Exception {
    Drain drain = new Drain();
    int[] port = new int[1];
    String deployment = get(vertx.deployVerticle(new io.vertx.core.VerticleBase() {
      @Override
      public Future<?> start() {
        vertx.eventBus().<String>consumer("test.order").handler(m -> m.reply("placed"));
        Router router = Router.router(vertx);
        router.route().handler(drain::handle);
        // the checkout calls the order service a moment after it came in, as after its first statements
        router.post("/checkout").handler(rc -> vertx.setTimer(300, t -> vertx.eventBus()
            .<String>request("test.order", "place").onComplete(ar -> rc.end(ar.succeeded() ? ar.result().body()
                : "failed: " + ar.cause().getMessage()))));
        HttpServer server = vertx.createHttpServer(HttpVerticle.serverOptions(1 << 20, false));
        return drain.watch(server).requestHandler(router).listen(0, "127.0.0.1")
            .onSuccess(s -> port[0] = s.actualPort());
      }
    }));
    io.vertx.core.http.HttpClient client = vertx.createHttpClient();
    Future<String> answer = client.request(io.vertx.core.http.HttpMethod.POST, port[0], "127.0.0.1", "/checkout")
        .compose(request -> request.send().compose(response -> response.body()))
        .map(io.vertx.core.buffer.Buffer::toString);
    for (int i = 0; i < 2_000 && drain.requestsInFlight() == 0; i++) {
      Thread.sleep(5);
    }
    assertThat(drain.requestsInFlight()).as("the checkout is in progress").isEqualTo(1);

    drain.begin();
    get(drain.stopAccepting(vertx, 1000));
    get(drain.awaitRequestsInFlight(vertx, 10_000));
    get(vertx.undeploy(deployment));
    assertThat(get(answer)).isEqualTo("placed");
    assertThat(drain.requestsInFlight()).isZero();
  }
}
