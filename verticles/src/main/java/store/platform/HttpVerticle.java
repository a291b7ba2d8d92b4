package store.platform;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An event-loop verticle serving one or more services. Split mode: one service on its public port, routes unprefixed
 * (as behind nginx), and its {@code /internal/} operations on a second, internal listener
 * ({@code internal.host}:{@code internal.port}) that the gateway never routes to. All-in-one: every service under
 * its gateway prefix on one port, and internal calls ride the event bus instead. Deployed with several instances,
 * one per event loop.
 */
public final class HttpVerticle extends VerticleBase {
  /** Allowed cross-origin callers when {@code security.cors-origins} is empty: pages served from this machine. */
  public static final String LOCAL_ORIGINS = "https?://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:[0-9]+)?";

  private final Platform platform;
  private final List<ServiceModule> modules;
  private final int port;
  private final int internalPort;
  private final boolean allInOne;
  /** (service, contract URL through the gateway) of every service, for Swagger UI's selector. */
  private final List<String[]> gatewayContracts;
  private final List<HttpServer> servers = new ArrayList<>();
  private long bodyLimit;
  private boolean compression;

  public HttpVerticle(Platform platform, List<ServiceModule> modules, int port, int internalPort, boolean allInOne,
      List<String[]> gatewayContracts) {
    this.platform = platform;
    this.gatewayContracts = gatewayContracts;
    this.modules = modules;
    this.port = port;
    this.internalPort = internalPort;
    this.allInOne = allInOne;
  }

  @Override
  public Future<?> start() {
    Router root = Router.router(vertx);
    root.route().handler(platform.drain()::handle);
    root.route().handler(RequestLog::handle);
    root.route().handler(Problems::refuseMalformedPath);
    root.route().handler(cors());
    bodyLimit = StoreConfig.longValue(platform.config(), "http.body-limit-bytes", 1 << 20);
    compression = StoreConfig.bool(platform.config(), "http.compression", false);
    bodies(root).handler(BodyHandler.create(false).setBodyLimit(bodyLimit));
    root.get("/metrics").handler(MetricsEndpoint.create());
    platform.profiles().mount(root, platform.auth()::authenticate);
    if (StoreConfig.bool(platform.config(), "http.hello-route", false)) {
      root.get("/hello").handler(rc -> rc.response().putHeader("Content-Type", "text/plain").end("hello"));
    }
    Router internal = allInOne ? null : Router.router(vertx);
    if (internal != null) {
      internal.route().handler(platform.drain()::handle);
      internal.route().handler(RequestLog::handle);
      internal.route().handler(Problems::refuseMalformedPath);
      bodies(internal).handler(BodyHandler.create(false).setBodyLimit(bodyLimit));
      internal.get("/metrics").handler(MetricsEndpoint.create());
    }

    List<Future<?>> ready = new ArrayList<>();
    for (ServiceModule module : modules) {
      Health health = health(module.name());
      module.readiness(health);
      String prefix = allInOne ? module.prefix() : "";
      ready.add(module.router(prefix).map(serviceRouter -> {
        health.mount(serviceRouter);
        root.route(prefix + "/*").subRouter(serviceRouter);
        return null;
      }));
      if (allInOne) {
        ready.add(module.internal().registerOnEventBus(vertx, module.name()));
      } else {
        health.mount(internal);
        module.internal().mount(internal, platform.auth(), module.name());
      }
    }
    if (allInOne) {
      Health health = health("product-store");
      health.mount(root);
      mountDocs(root, StoreConfig.string(platform.config(), "docs.site-dir", "site"));
    }
    // every process serves Swagger UI for all four contracts at their gateway URLs: all-in-one answers those URLs
    // itself; behind nginx each is routed to its service
    SwaggerUi.mount(root, gatewayContracts);
    return Future.all(ready).compose(v -> {
      // the public listener answers a repeated GET it can (a kept catalog page) before routing it
      RepeatedGets repeated = platform.repeatedGets();
      Future<HttpServer> publicServer = listen(root, request -> {
        if (!repeated.answer(request)) {
          root.handle(request);
        }
      }, StoreConfig.string(platform.config(), "http.host", "127.0.0.1"), port);
      if (internal == null) {
        return publicServer;
      }
      return publicServer.compose(s -> listen(internal, internal,
          StoreConfig.string(platform.config(), "internal.host", "127.0.0.1"), internalPort));
    });
  }

  /**
   * Requests whose methods carry a body. A GET has none to read, and Vert.x Web's BodyHandler failed one that
   * declared a form or multipart body with a 500 (it cannot decode those on a GET).
   */
  private static io.vertx.ext.web.Route bodies(Router router) {
    return router.route().method(HttpMethod.POST).method(HttpMethod.PUT).method(HttpMethod.PATCH)
        .method(HttpMethod.DELETE);
  }

  /** The MkDocs site at /docs/ (as the gateway serves it), once `mkdocs build` has written it. */
  private static void mountDocs(Router root, String siteDir) {
    java.nio.file.Path site = java.nio.file.Path.of(siteDir).toAbsolutePath();
    root.get("/docs").handler(rc -> {
      if (rc.request().path().equals("/docs")) {
        rc.redirect("/docs/");
      } else {
        rc.next();
      }
    });
    io.vertx.ext.web.handler.StaticHandler files = io.vertx.ext.web.handler.StaticHandler.create(
        io.vertx.ext.web.handler.FileSystemAccess.ROOT, site.toString()).setCachingEnabled(false);
    root.get("/docs/*").handler(rc -> {
      if (java.nio.file.Files.isRegularFile(site.resolve("index.html"))) {
        files.handle(rc);
      } else {
        rc.fail(ProblemException.notFound("The documentation site is not built: run `mkdocs build` in the "
            + "repository (Debian: apt-get install mkdocs mkdocs-material)"));
      }
    });
  }

  private Future<HttpServer> listen(Router router, Handler<HttpServerRequest> requests, String host, int listenPort) {
    router.route().last().handler(Problems::notFound);
    router.route().failureHandler(Problems::handleFailure);
    HttpServer server = vertx.createHttpServer(serverOptions(bodyLimit, compression).setHost(host)
        .setPort(listenPort)).invalidRequestHandler(Problems::invalidRequest);
    servers.add(server);
    return platform.drain().watch(server).requestHandler(requests).listen();
  }

  /**
   * {@code compression}: gzip for clients that accept it. Off by default: the gateway compresses what reaches
   * clients, peers never ask for it, and with it on every answer, compressed or not, passes netty's compressor
   * (about 5 % of a catalog page's throughput, docs/performance.md).
   */
  static HttpServerOptions serverOptions(long bodyLimit, boolean compression) {
    return new HttpServerOptions().setCompressionSupported(compression)
        // a form field may be as long as a body may be: the service checks its fields and names the one that is wrong
        .setMaxFormAttributeSize((int) bodyLimit).setMaxInitialLineLength(8192)
        // HTTP/1.1 only (nginx, Prometheus and the services' clients speak it): with h2c detection a connection
        // has no HTTP handler until its first bytes arrive, so Drain could not see one that is still waiting for them
        .setHttp2ClearTextEnabled(false)
        // no WebSockets here: without their compression extensions netty's pipeline has no WebSocket handler for
        // every request to pass through
        .setPerFrameWebSocketCompressionSupported(false).setPerMessageWebSocketCompressionSupported(false);
  }

  /**
   * CORS for the configured origins ({@code security.cors-origins}, regular expressions), by default pages on this
   * machine. A same-origin request (its Origin is the host it was sent to) needs no CORS and passes untouched.
   */
  private io.vertx.core.Handler<RoutingContext> cors() {
    List<String> configured = StoreConfig.array(platform.config(), "security.cors-origins").stream()
        .map(Object::toString).filter(s -> !s.isBlank()).toList();
    CorsHandler cors = CorsHandler.create()
        .addOriginsWithRegex(configured.isEmpty() ? List.of(LOCAL_ORIGINS) : configured)
        .allowedMethods(Set.of(io.vertx.core.http.HttpMethod.GET, io.vertx.core.http.HttpMethod.POST,
            io.vertx.core.http.HttpMethod.PUT, io.vertx.core.http.HttpMethod.DELETE))
        .allowedHeaders(Set.of("Authorization", "Content-Type", "Idempotency-Key", "traceparent", "tracestate",
            "X-Request-ID"));
    return rc -> {
      String origin = rc.request().getHeader("Origin");
      String host = rc.request().getHeader("Host");
      if (origin == null || host != null && (origin.equals("http://" + host) || origin.equals("https://" + host))) {
        rc.next();
      } else {
        cors.handle(rc);
      }
    };
  }

  /** Cassandra, and not stopping: a draining process is not ready, so nothing new is sent its way. */
  private Health health(String service) {
    return new Health(vertx, service, platform.cql().client()).requires("accepting", () ->
        platform.drain().draining() ? Future.failedFuture("stopping") : Future.succeededFuture());
  }

  /** Graceful: in-flight requests finish (up to 10 s), then close; {@link Drain} has already stopped accepting. */
  @Override
  public Future<?> stop() {
    return Future.all(servers.stream().map(s -> s.shutdown(10, java.util.concurrent.TimeUnit.SECONDS)).toList());
  }
}
