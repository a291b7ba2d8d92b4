package store.testing;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A client of the store as a shopper's program sees it, for either topology: all-in-one (one port, gateway
 * prefixes) or split (one port per service, no prefix). Calls block the test thread, never an event loop.
 */
public final class StoreApi {
  private final WebClient client;
  private final Function<String, String> baseOf;

  private StoreApi(Vertx vertx, Function<String, String> baseOf) {
    this(WebClient.create(vertx), baseOf);
  }

  private StoreApi(WebClient client, Function<String, String> baseOf) {
    this.client = client;
    this.baseOf = baseOf;
  }

  private static final Map<String, String> PREFIXES = Map.of("catalog", "/api", "cart", "/cart-api",
      "order", "/order-api", "user", "/user-api");

  public static StoreApi allInOne(Vertx vertx, String baseUrl) {
    return new StoreApi(vertx, service -> baseUrl + PREFIXES.get(service));
  }

  /**
   * Like {@link #allInOne}, from another loopback address ({@code 127.0.0.2}, …): a second client machine, as far as
   * a gateway on this host can tell.
   */
  public static StoreApi allInOneFrom(Vertx vertx, String baseUrl, String localAddress) {
    return new StoreApi(WebClient.create(vertx, new io.vertx.ext.web.client.WebClientOptions()
        .setLocalAddress(localAddress)), service -> baseUrl + PREFIXES.get(service));
  }

  /**
   * Like {@link #allInOne}, with a connection per request up to {@code connections}: a burst of requests reaches the
   * server at once, however long each takes to answer (the default pool of five would pace them by the server's speed).
   */
  public static StoreApi allInOneAtOnce(Vertx vertx, String baseUrl, int connections) {
    return new StoreApi(WebClient.create(vertx, new io.vertx.ext.web.client.WebClientOptions(),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(connections)), service -> baseUrl + PREFIXES.get(service));
  }

  /** The all-in-one port itself, without a service prefix, as service "root" (metrics, Swagger UI, docs). */
  public static StoreApi root(Vertx vertx, String baseUrl) {
    return new StoreApi(vertx, service -> baseUrl);
  }

  public static StoreApi split(Vertx vertx, Map<String, Integer> ports) {
    return new StoreApi(vertx, service -> "http://127.0.0.1:" + ports.get(service));
  }

  public Response get(String service, String path, String token) {
    return send(HttpMethod.GET, service, path, token, null, MultiMap.caseInsensitiveMultiMap());
  }

  public Response post(String service, String path, String token, Object body) {
    return send(HttpMethod.POST, service, path, token, body, MultiMap.caseInsensitiveMultiMap());
  }

  public Response put(String service, String path, String token, Object body) {
    return send(HttpMethod.PUT, service, path, token, body, MultiMap.caseInsensitiveMultiMap());
  }

  public Response delete(String service, String path, String token) {
    return send(HttpMethod.DELETE, service, path, token, null, MultiMap.caseInsensitiveMultiMap());
  }

  public Future<Response> sendAsync(HttpMethod method, String service, String path, String token, Object body,
      MultiMap headers) {
    HttpRequest<Buffer> request = client.requestAbs(method, baseOf.apply(service) + path).timeout(30_000);
    request.putHeaders(headers);
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    Future<HttpResponse<Buffer>> sent;
    if (body instanceof JsonObject json) {
      sent = request.sendJsonObject(json);
    } else if (body instanceof MultiMap form) {
      sent = request.sendForm(form);
    } else if (body instanceof Buffer raw) {
      sent = request.sendBuffer(raw);
    } else {
      sent = request.send();
    }
    return sent.map(r -> new Response(r.statusCode(), r.getHeader("Content-Type"), r.body(), r.headers()));
  }

  public Response send(HttpMethod method, String service, String path, String token, Object body,
      MultiMap headers) {
    return await(sendAsync(method, service, path, token, body, headers));
  }

  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("request failed: " + e, e);
    }
  }

  /**
   * The sum of a service's Prometheus samples whose line starts with {@code metric} and contains every one of
   * {@code labels} (e.g. {@code query="stock.take"}): what an operator's dashboard would add up.
   */
  public double metricSum(String service, String metric, String... labels) {
    return get(service, "/metrics", null).body().toString().lines()
        .filter(l -> l.startsWith(metric) && java.util.Arrays.stream(labels).allMatch(l::contains))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  // ---- shopper's steps ----

  /** Registers and logs in; answers the access token. */
  public String registerAndLogin(String username, String password) {
    Response registered = post("user", "/users/register", null, new JsonObject().put("username", username)
        .put("full_name", "Test " + username).put("phone", "+100200300").put("password", password));
    if (registered.status() != 200) {
      throw new AssertionError("register " + username + ": " + registered);
    }
    return login(username, password);
  }

  public String login(String username, String password) {
    Response token = post("user", "/token", null, MultiMap.caseInsensitiveMultiMap().add("username", username)
        .add("password", password));
    if (token.status() != 200) {
      throw new AssertionError("token " + username + ": " + token);
    }
    return token.json().getString("access_token");
  }

  /** Creates a product as admin; answers its id. */
  public String createProduct(String adminToken, String category, String name, double price, int stock) {
    Response created = post("catalog", "/products/", adminToken, new JsonObject().put("name", name)
        .put("category", category).put("price", price).put("stock_count", stock));
    if (created.status() != 201) {
      throw new AssertionError("create product: " + created);
    }
    return created.json().getString("product_id");
  }

  public Response addToCart(String token, String productId, int quantity) {
    return post("cart", "/cart/items", token, new JsonObject().put("product_id", productId).put("quantity", quantity));
  }

  public int stock(String token, String productId) {
    return get("catalog", "/products/" + productId, token).json().getInteger("stock_count");
  }

  /** Polls until {@code check} is true or the time is up; answers the last value. */
  public static <T> T eventually(Duration timeout, java.util.function.Supplier<T> probe,
      java.util.function.Predicate<T> check) {
    long deadline = System.nanoTime() + timeout.toNanos();
    T value = probe.get();
    while (!check.test(value) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      value = probe.get();
    }
    return value;
  }

  /** An HTTP answer. */
  public record Response(int status, String contentType, Buffer body, MultiMap headers) {
    public JsonObject json() {
      return body == null ? null : body.toJsonObject();
    }

    public JsonArray array() {
      return body == null ? null : body.toJsonArray();
    }

    @Override
    public String toString() {
      return status + " " + (body == null ? "" : body.toString());
    }
  }
}
