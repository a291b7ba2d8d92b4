package store.platform;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.HttpServerRequestInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Vert.x Micrometer's metrics, except that the HTTP servers' per-request meters are kept instead of looked up.
 * Vert.x Micrometer 5 builds the tags and finds six meters in the registry for every request (its meter cache is
 * gone since 5.0): a fifth of an event loop's time serving a cached category page. Here each request finds its
 * meters in one map look-up by (method, route, status). The meters are Vert.x's own, same names, tags, route labels
 * ({@code "/api/>/products"}: the matched routes joined by '>') and descriptions, so dashboards, alert rules and the
 * rest of the registry see no difference but one, a failed request's route label ({@link Request#routed}). The
 * store's labels are fixed: method on the request's meters, and code, method and route on the response's
 * ({@link #options()}). Connections, bytes and everything that is not an HTTP
 * server's request (event bus, HTTP clients, pools) stay Vert.x Micrometer's, unchanged.
 */
public final class HttpServerMeters implements VertxMetricsFactory {
  private static final String PREFIX = "vertx.http.server.";

  /**
   * Histogram buckets for every timer (HTTP response times: the dashboards' and alerts' quantiles), as Vert.x
   * Micrometer's "publish quantiles" gives them, but not for every size summary: Vert.x's request and response bytes
   * have none. Nothing reads those buckets, and recording them was three fifths of the meters' cost on every request
   * (two histograms of some 270 buckets each). A summary that needs them asks for them (cart_value).
   */
  private static final MeterFilter TIMINGS_HISTOGRAMS = new MeterFilter() {
    @Override
    public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
      return id.getType() != Meter.Type.TIMER ? config
          : DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(config);
    }
  };

  private final MicrometerMetricsFactory micrometer = new MicrometerMetricsFactory(registry());

  /** The registry the store's meters go to: Prometheus, histograms for timings ({@link #TIMINGS_HISTOGRAMS}). */
  public static PrometheusMeterRegistry registry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(TIMINGS_HISTOGRAMS); // before any meter exists: it applies to every one
    return registry;
  }

  /**
   * The store's metrics options: Prometheus, JVM metrics, HTTP by templated route. Histograms come from the
   * registry's filter ({@link #registry()}), not from Vert.x Micrometer's "publish quantiles", which gives every
   * distribution one.
   */
  public static MicrometerMetricsOptions options() {
    return new MicrometerMetricsOptions()
        .setPrometheusOptions(new io.vertx.micrometer.VertxPrometheusOptions().setEnabled(true))
        .setJvmMetricsEnabled(true)
        // HTTP metrics by templated route ("/api/>/products/:product_id"), never by raw path: bounded cardinality
        .addLabels(io.vertx.micrometer.Label.HTTP_ROUTE)
        .setEnabled(true);
  }

  @Override
  public VertxMetrics metrics(VertxOptions options) {
    VertxMetrics delegate = micrometer.metrics(options);
    MicrometerMetricsOptions micrometerOptions = options.getMetricsOptions() instanceof MicrometerMetricsOptions given
        ? given : new MicrometerMetricsOptions(options.getMetricsOptions().toJson());
    MeterRegistry registry = BackendRegistries.getNow(micrometerOptions.getRegistryName());
    return new Metrics(delegate, new Meters(registry));
  }

  @Override
  public io.vertx.core.metrics.MetricsOptions newOptions(io.vertx.core.metrics.MetricsOptions options) {
    return micrometer.newOptions(options);
  }

  @Override
  public io.vertx.core.metrics.MetricsOptions newOptions(io.vertx.core.json.JsonObject json) {
    return micrometer.newOptions(json);
  }

  /** Vert.x Micrometer's metrics, with the HTTP servers' requests measured by {@link Server}. */
  private record Metrics(VertxMetrics delegate, Meters meters) implements VertxMetrics {
    @Override
    public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress address) {
      HttpServerMetrics<?, ?, ?> connections = delegate.createHttpServerMetrics(options, address);
      return connections == null ? null : new Server<>(connections, meters);
    }

    @Override
    public EventBusMetrics createEventBusMetrics() {
      return delegate.createEventBusMetrics();
    }

    @Override
    public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remote, String type, String namespace) {
      return delegate.createClientMetrics(remote, type, namespace);
    }

    @Override
    public HttpClientMetrics<?, ?, ?> createHttpClientMetrics(io.vertx.core.http.HttpClientOptions options) {
      return delegate.createHttpClientMetrics(options);
    }

    @Override
    public TCPMetrics<?> createNetServerMetrics(io.vertx.core.net.NetServerOptions options, SocketAddress address) {
      return delegate.createNetServerMetrics(options, address);
    }

    @Override
    public TCPMetrics<?> createNetClientMetrics(io.vertx.core.net.NetClientOptions options) {
      return delegate.createNetClientMetrics(options);
    }

    @Override
    public DatagramSocketMetrics createDatagramSocketMetrics(io.vertx.core.datagram.DatagramSocketOptions options) {
      return delegate.createDatagramSocketMetrics(options);
    }

    @Override
    public PoolMetrics<?, ?> createPoolMetrics(String type, String name, int maxSize) {
      return delegate.createPoolMetrics(type, name, maxSize);
    }

    @Override
    public void vertxCreated(io.vertx.core.Vertx vertx) {
      delegate.vertxCreated(vertx);
    }

    @Override
    public boolean isMetricsEnabled() {
      return delegate.isMetricsEnabled();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  /** The meters, made at a request's first sight of its method, or of its (method, route, status). */
  static final class Meters {
    private final MeterRegistry registry;
    private final Map<HttpMethod, ForMethod> byMethod = new ConcurrentHashMap<>();
    private final Map<ResponseKey, ForResponse> byResponse = new ConcurrentHashMap<>();

    Meters(MeterRegistry registry) {
      this.registry = registry;
    }

    ForMethod method(HttpMethod method) {
      ForMethod known = byMethod.get(method);
      return known != null ? known : byMethod.computeIfAbsent(method, m -> new ForMethod(registry, m.name()));
    }

    ForResponse response(String method, String route, int code) {
      ResponseKey key = new ResponseKey(method, route, code);
      ForResponse known = byResponse.get(key);
      return known != null ? known : byResponse.computeIfAbsent(key, k -> new ForResponse(registry, k));
    }
  }

  record ResponseKey(String method, String route, int code) {
  }

  static final class ForMethod {
    final String method;
    final LongAdder active = new LongAdder();
    final DistributionSummary requestBytes;
    private final MeterRegistry registry;
    private volatile Counter resets;

    ForMethod(MeterRegistry registry, String method) {
      this.registry = registry;
      this.method = method;
      Gauge.builder(PREFIX + "active.requests", active, LongAdder::doubleValue)
          .description("Number of requests being processed").tag("method", method).register(registry);
      requestBytes = DistributionSummary.builder(PREFIX + "request.bytes").description("Size of requests in bytes")
          .tag("method", method).register(registry);
    }

    /** Registered at the first reset, as Vert.x Micrometer does: most stores never see one. */
    void reset() {
      Counter counter = resets;
      if (counter == null) {
        counter = Counter.builder(PREFIX + "request.resets").description("Number of request resets")
            .tag("method", method).register(registry);
        resets = counter;
      }
      counter.increment();
      active.decrement();
    }
  }

  static final class ForResponse {
    final Counter requests;
    final Timer responseTime;
    final DistributionSummary responseBytes;

    ForResponse(MeterRegistry registry, ResponseKey key) {
      String[] tags = {"code", String.valueOf(key.code()), "method", key.method(), "route", key.route()};
      requests = Counter.builder(PREFIX + "requests").description("Number of processed requests").tags(tags)
          .register(registry);
      responseTime = Timer.builder(PREFIX + "response.time").description("Request processing time").tags(tags)
          .register(registry);
      responseBytes = DistributionSummary.builder(PREFIX + "response.bytes").description("Size of responses in bytes")
          .tags(tags).register(registry);
    }
  }

  /** The route label the request's meters got so far (as the router matched it); null when not metered here. */
  static String route(HttpServerRequest request) {
    return request instanceof HttpServerRequestInternal internal
        && internal.metric() instanceof Request metered ? metered.route() : null;
  }

  /** One request: its method's meters, when it began, the routes it matched. */
  static final class Request {
    final ForMethod method;
    final long began = System.nanoTime();
    private String route;
    private StringBuilder routes;
    private String firstRoute;
    private boolean walkedAgain;
    private boolean requestEnded;
    private boolean responseEnded;
    private boolean reset;

    Request(ForMethod method) {
      this.method = method;
      method.active.increment();
    }

    /**
     * As Vert.x Micrometer labels it: the matched routes in order, joined by '>'; "" when none matched. Except a
     * failure's: Vert.x Web walks the routers again from the first route to find the failure handler, and Vert.x
     * Micrometer labels a failed request with both walks ({@code "/api/>/products>/api/>/products"}). That split every
     * route's failures from its successes in the dashboards' route lists and per-route error rates; the label here is
     * the first walk's, the route the request was for.
     */
    void routed(String matched) {
      if (matched == null || walkedAgain) {
        return;
      }
      if (route == null && routes == null) {
        route = matched;
        firstRoute = matched;
      } else if (matched.equals(firstRoute)) {
        walkedAgain = true;
      } else {
        if (routes == null) {
          routes = new StringBuilder(route);
          route = null;
        }
        routes.append('>').append(matched);
      }
    }

    String route() {
      return routes != null ? routes.toString() : route != null ? route : "";
    }

    /** The active-request gauge goes down once both the request and its response have ended (or on a reset). */
    void requestEnded() {
      requestEnded = true;
      if (responseEnded && !reset) {
        method.active.decrement();
      }
    }

    void responseEnded() {
      responseEnded = true;
      if (requestEnded && !reset) {
        method.active.decrement();
      }
    }

    void reset() {
      if (!reset) {
        reset = true;
        method.reset();
      }
    }
  }

  /** An HTTP server's metrics: connections and bytes by Vert.x Micrometer, requests here. */
  static final class Server<S> implements HttpServerMetrics<Request, Void, S> {
    private final HttpServerMetrics<?, ?, S> connections;
    private final Meters meters;

    @SuppressWarnings("unchecked")
    Server(HttpServerMetrics<?, ?, ?> connections, Meters meters) {
      this.connections = (HttpServerMetrics<?, ?, S>) connections;
      this.meters = meters;
    }

    @Override
    public Request requestBegin(S socket, HttpRequest request) {
      return new Request(meters.method(request.method()));
    }

    @Override
    public void requestRouted(Request request, String route) {
      request.routed(route);
    }

    @Override
    public void requestEnd(Request request, HttpRequest httpRequest, long bytesRead) {
      request.method.requestBytes.record(bytesRead);
      request.requestEnded();
    }

    @Override
    public void requestReset(Request request) {
      request.reset();
    }

    @Override
    public Request responsePushed(S socket, HttpMethod method, String uri, HttpResponse response) {
      return new Request(meters.method(method));
    }

    @Override
    public void responseEnd(Request request, HttpResponse response, long bytesWritten) {
      ForResponse forResponse = meters.response(request.method.method, request.route(), response.statusCode());
      forResponse.requests.increment();
      forResponse.responseTime.record(System.nanoTime() - request.began, TimeUnit.NANOSECONDS);
      forResponse.responseBytes.record(bytesWritten);
      request.responseEnded();
    }

    /** The store serves no WebSockets; an upgrade is not counted. */
    @Override
    public Void connected(S socket, Request request, ServerWebSocket webSocket) {
      return null;
    }

    @Override
    public S connected(SocketAddress remote, String remoteName) {
      return connections.connected(remote, remoteName);
    }

    // A connection's socket metric can be null: Vert.x 5.0.7 served a request that was waiting as the listener
    // opened before it had attached the connection's metric, and Vert.x Micrometer then threw from inside the
    // response's write (a NullPointerException logged as an unhandled failure). That connection's bytes go uncounted.

    @Override
    public void disconnected(S socket, SocketAddress remote) {
      if (socket != null) {
        connections.disconnected(socket, remote);
      }
    }

    @Override
    public void bytesRead(S socket, SocketAddress remote, long bytes) {
      if (socket != null) {
        connections.bytesRead(socket, remote, bytes);
      }
    }

    @Override
    public void bytesWritten(S socket, SocketAddress remote, long bytes) {
      if (socket != null) {
        connections.bytesWritten(socket, remote, bytes);
      }
    }

    @Override
    public void exceptionOccurred(S socket, SocketAddress remote, Throwable error) {
      if (socket != null) {
        connections.exceptionOccurred(socket, remote, error);
      }
    }

    @Override
    public void close() {
      connections.close();
    }
  }
}
