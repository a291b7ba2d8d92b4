package store.launcher;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

/**
 * The yardstick of the benchmarks (bench/catalog-size-bench.sh): the least a Vert.x 5 server can do, "Hello" from two
 * event-loop verticles, with nothing of the store (no metrics, router, auth or logging). Not part of the store:
 * {@code java -cp product-store.jar store.launcher.BareHelloServer PORT}.
 */
public final class BareHelloServer extends VerticleBase {
  private static final Buffer HELLO = Buffer.buffer("Hello");
  private final int port;

  private BareHelloServer(int port) {
    this.port = port;
  }

  public static void main(String[] args) {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 18290;
    Vertx.vertx().deployVerticle(() -> new BareHelloServer(port), new DeploymentOptions().setInstances(2))
        .onSuccess(id -> System.out.println("bare hello server on port " + port))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
  }

  @Override
  public Future<?> start() {
    return vertx.createHttpServer()
        .requestHandler(request -> request.response().putHeader("Content-Type", "text/plain").end(HELLO))
        .listen(port);
  }
}
