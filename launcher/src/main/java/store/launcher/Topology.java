package store.launcher;

import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import store.cart.CartModule;
import store.cart.api.CartOperations;
import store.catalog.CatalogModule;
import store.catalog.api.CatalogOperations;
import store.order.OrderModule;
import store.order.api.OrderOperations;
import store.platform.Auth;
import store.platform.ServiceModule;
import store.platform.StoreConfig;
import store.platform.transport.CallMetrics;
import store.platform.transport.EventBusChannel;
import store.platform.transport.HttpChannel;
import store.platform.transport.Operation;
import store.platform.transport.PeerAddresses;
import store.platform.transport.ServiceChannel;
import store.user.UserModule;
import store.user.api.UserOperations;

/**
 * Which services run in this process, and how each reaches the others: over the event bus when they share the
 * JVM, over HTTP (WebClient + circuit breaker) when they don't. The only place that chooses a transport.
 */
final class Topology {
  /** Service name → its split-mode port and the modules' factory, in start order (catalog creates data first). */
  static final Map<String, Integer> PORTS = new LinkedHashMap<>();
  static final Map<String, Supplier<ServiceModule>> FACTORIES = new LinkedHashMap<>();
  /** Operations HTTP may retry, per callee: only those that are safe to repeat. */
  static final Map<String, Set<String>> IDEMPOTENT = new LinkedHashMap<>();

  static {
    register("catalog", 8000, CatalogModule::new, Operation.idempotent(CatalogOperations.ALL));
    register("cart", 8001, CartModule::new, Operation.idempotent(CartOperations.ALL));
    register("order", 8002, OrderModule::new, Operation.idempotent(OrderOperations.ALL));
    register("user", 8003, UserModule::new, Operation.idempotent(UserOperations.ALL));
  }

  private static void register(String name, int port, Supplier<ServiceModule> factory, Set<String> idempotent) {
    PORTS.put(name, port);
    FACTORIES.put(name, factory);
    IDEMPOTENT.put(name, idempotent);
  }

  private Topology() {
  }

  static boolean isService(String mode) {
    return FACTORIES.containsKey(mode);
  }

  static List<ServiceModule> modules(String mode) {
    return "all".equals(mode) ? FACTORIES.values().stream().map(Supplier::get).toList()
        : List.of(FACTORIES.get(mode).get());
  }

  /** Every service's contract as a browser reaches it through the gateway (or all-in-one), e.g. /api/openapi.yaml. */
  static List<String[]> gatewayContracts() {
    return FACTORIES.values().stream().map(Supplier::get)
        .map(m -> new String[] {m.name(), m.prefix() + "/openapi.yaml"}).toList();
  }

  /** Where a service's internal operations listen by default: its public port + 1000 (9000–9003). */
  static int internalPort(int publicPort) {
    return publicPort + 1000;
  }

  static int port(String mode, JsonObject config) {
    int configured = StoreConfig.integer(config, "http.port", 0);
    return configured > 0 ? configured : "all".equals(mode) ? 8080 : PORTS.get(mode);
  }

  /** (calling service, target service) → the channel between them. */
  static BiFunction<String, String, ServiceChannel> channels(String mode, Vertx vertx, JsonObject config, Auth auth,
      CallMetrics metrics) {
    long timeout = StoreConfig.longValue(config, "client.timeout-ms", 3000);
    Map<String, ServiceChannel> channels = new ConcurrentHashMap<>();
    if ("all".equals(mode)) {
      return (from, target) -> channels.computeIfAbsent(from + ">" + target,
          k -> new EventBusChannel(vertx, from, target, timeout, metrics));
    }
    WebClient client = WebClient.create(vertx, new WebClientOptions()
        .setKeepAlive(true).setConnectTimeout((int) Math.min(timeout, 2000)),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
    CircuitBreakerOptions breaker = new CircuitBreakerOptions()
        .setMaxFailures(StoreConfig.integer(config, "client.breaker.max-failures", 5))
        .setResetTimeout(StoreConfig.longValue(config, "client.breaker.reset-ms", 5000))
        .setTimeout(-1); // the request timeout is WebClient's own
    int retries = StoreConfig.integer(config, "client.retries", 2);
    long dnsRefresh = StoreConfig.longValue(config, "client.dns-refresh-ms", 10_000);
    // a peer's internal listeners (port + 1000 by default): BACKEND_URL, CART_SERVICE_URL, … in the seed's names,
    // comma-separated when the peer runs as several replicas; a name is looked up again every dns-refresh-ms, and
    // calls rotate over all its addresses (replicas sharing a compose alias or a headless Service)
    return (from, target) -> channels.computeIfAbsent(from + ">" + target, k -> new HttpChannel(vertx, client, from,
        target, new PeerAddresses(vertx, target, List.of(StoreConfig.string(config, "services." + target + "-url",
            "http://127.0.0.1:" + internalPort(PORTS.get(target))).split("\\s*,\\s*")),
            PeerAddresses.Resolver.system(), dnsRefresh), auth, timeout,
        retries, IDEMPOTENT.getOrDefault(target, Set.of()), breaker, metrics));
  }
}
