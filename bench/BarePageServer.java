import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How far a Vert.x server answering what the store answers can get (docs/performance.md, "The category page against
 * a bare server"): the bytes of a saved answer, with a request id, from two event-loop verticles like
 * store.launcher.BareHelloServer, plus the Vert.x pieces named in the arguments, one at a time:
 * {@code compression} (setCompressionSupported) and {@code router} (a Vert.x Web router with four pass-through
 * handlers before the route). Run with the fat jar on the class path, then point wrk at /api/products/:
 *
 * <pre>
 * curl -s -H "Authorization: Bearer $TOKEN" 'http://127.0.0.1:8080/api/products/?category=Books' &gt; page.json
 * java -cp launcher/target/product-store.jar bench/BarePageServer.java 18291 page.json router compression
 * </pre>
 */
public final class BarePageServer extends VerticleBase {
  private final int port;
  private final Buffer page;
  private final List<String> pieces;

  private BarePageServer(int port, Buffer page, List<String> pieces) {
    this.port = port;
    this.page = page;
    this.pieces = pieces;
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Buffer page = Buffer.buffer(Files.readAllBytes(Path.of(args[1])));
    List<String> pieces = List.of(args).subList(2, args.length);
    Vertx.vertx().deployVerticle(() -> new BarePageServer(port, page, pieces), new DeploymentOptions().setInstances(2))
        .onSuccess(id -> System.out.println("bare page server on port " + port + " with " + pieces))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
  }

  @Override
  public Future<?> start() {
    HttpServerOptions options = new HttpServerOptions().setPort(port)
        .setCompressionSupported(pieces.contains("compression"));
    Handler<HttpServerRequest> handler = this::answer;
    if (pieces.contains("router")) {
      Router router = Router.router(vertx);
      for (int i = 0; i < 4; i++) {
        router.route().handler(rc -> rc.next());
      }
      router.get("/api/products/").handler(rc -> answer(rc.request()));
      handler = router;
    }
    return vertx.createHttpServer(options).requestHandler(handler).listen();
  }

  private void answer(HttpServerRequest request) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    request.response().putHeader("X-Request-ID", new UUID(random.nextLong(), random.nextLong()).toString())
        .putHeader("Content-Type", "application/json").end(page);
  }
}
