package store.platform;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.ArrayList;
import java.util.List;

/**
 * An event-loop verticle serving one or more services on one port. Split mode: one service, routes unprefixed
 * (as behind nginx), plus its {@code /internal/} routes. All-in-one: every service under its gateway prefix, and
 * internal calls ride the event bus instead. Deployed with several instances, one per event loop.
 */
public final class HttpVerticle extends VerticleBase {
  private final Platform platform;
  private final List<ServiceModule> modules;
  private final int port;
  private final boolean allInOne;
  private HttpServer server;

  public HttpVerticle(Platform platform, List<ServiceModule> modules, int port, boolean allInOne) {
    this.platform = platform;
    this.modules = modules;
    this.port = port;
    this.allInOne = allInOne;
  }

  @Override
  public Future<?> start() {
    Router root = Router.router(vertx);
    root.route().handler(CorsHandler.create()
        .addOriginWithRegex(StoreConfig.string(platform.config(), "security.cors-origins", ".*"))
        .allowedHeaders(java.util.Set.of("Authorization", "Content-Type", "Idempotency-Key", "traceparent",
            "X-Request-ID")));
    root.route().handler(BodyHandler.create(false)
        .setBodyLimit(StoreConfig.longValue(platform.config(), "http.body-limit-bytes", 1 << 20)));
    root.get("/metrics").handler(PrometheusScrapingHandler.create());
    root.get("/hello").handler(rc -> rc.response().putHeader("Content-Type", "text/plain").end("hello"));

    List<Future<?>> ready = new ArrayList<>();
    for (ServiceModule module : modules) {
      Health health = new Health(vertx, module.name(), platform.cql().client());
      module.readiness(health);
      String prefix = allInOne ? module.prefix() : "";
      ready.add(module.router(prefix).map(serviceRouter -> {
        health.mount(serviceRouter);
        if (!allInOne) {
          module.internal().mount(serviceRouter, platform.auth());
        }
        root.route(prefix + "/*").subRouter(serviceRouter);
        return null;
      }));
      if (allInOne) {
        ready.add(module.internal().registerOnEventBus(vertx, module.name()));
      }
    }
    if (allInOne) {
      Health health = new Health(vertx, "product-store", platform.cql().client());
      health.mount(root);
      SwaggerUi.mount(root, modules.stream().map(m -> new String[] {m.name(), m.prefix() + "/openapi.yaml"}).toList());
    }
    return Future.all(ready).compose(v -> {
      root.route().last().handler(Problems::notFound);
      root.route().failureHandler(Problems::handleFailure);
      server = vertx.createHttpServer(new HttpServerOptions()
          .setHost(StoreConfig.string(platform.config(), "http.host", "0.0.0.0"))
          .setPort(port)
          .setCompressionSupported(true));
      return server.requestHandler(root).listen();
    });
  }

  /** Graceful: stop accepting, let in-flight requests finish (up to 10 s), then close. */
  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.shutdown(10, java.util.concurrent.TimeUnit.SECONDS);
  }
}
