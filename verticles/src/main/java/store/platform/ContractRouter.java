package store.platform;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.Location;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.RequestValidator;
import io.vertx.openapi.validation.ValidatedRequest;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Contract-first routing: the service's OpenAPI file ({@code conf/openapi/<service>.yaml}, from {@code ./conf} or
 * the jar) defines the routes, who may call them, and validates every request before a handler runs. Handlers are
 * bound by operation id; an operation left unbound fails the start, so contract and code cannot drift apart
 * silently.
 *
 * <p>Authorisation comes from the contract too: an operation the contract secures (its own {@code security}, or the
 * document's) gets bearer authentication, and one marked {@code x-roles: [admin]} the admin check, both
 * <em>before</em> validation, so anonymous traffic learns nothing of the schema and cannot fill the validation
 * cache. No module can forget either.
 */
public final class ContractRouter {
  /** Validated URIs kept per GET operation (a few per service): the most asked pages and products. */
  private static final int VALID_URIS_PER_ROUTE = 2_000;
  private final String service;
  private final Auth auth;
  private final Map<String, Handler<RoutingContext>[]> bindings = new LinkedHashMap<>();
  private final Map<String, Function<RoutingContext, Function<Caller, Buffer>>> repeats = new LinkedHashMap<>();

  public ContractRouter(String service, Auth auth) {
    this.service = service;
    this.auth = auth;
  }

  @SafeVarargs
  public final ContractRouter bind(String operationId, Handler<RoutingContext>... handlers) {
    bindings.put(operationId, handlers);
    return this;
  }

  /**
   * A GET operation whose answers its service keeps: {@code again} gives, for a request it answered with 200, how to
   * answer the same URI again for a caller (null once the answer is no longer kept, or the caller may not see it),
   * which {@link RepeatedGets} then does without routing.
   */
  public ContractRouter repeatable(String operationId, Function<RoutingContext, Function<Caller, Buffer>> again) {
    repeats.put(operationId, again);
    return this;
  }

  /**
   * Builds the router, to be mounted at {@code prefix} ("" behind nginx; "/api", … in all-in-one mode), from the
   * process's parsed contract ({@link Contracts}).
   */
  public Future<Router> build(Platform platform, String prefix, String gatewayPrefix) {
    return platform.contracts().get(platform.vertx(), service, prefix, gatewayPrefix)
        .map(parsed -> router(platform.vertx(), parsed, platform.repeatedGets()));
  }

  private Router router(Vertx vertx, Contracts.Parsed parsed, RepeatedGets repeated) {
    OpenAPIContract contract = parsed.contract();
    JsonObject document = parsed.document();
    String contractPath = parsed.path();
    // the root router's BodyHandler has read the body already (and enforced the size limit)
    RequestExtractor extractor = RequestExtractor.withBodyHandler();
    RouterBuilder builder = RouterBuilder.create(vertx, contract, extractor);
    RequestValidator validator = RequestValidator.create(vertx, contract);
    Set<String> operations = new HashSet<>();
    for (OpenAPIRoute route : builder.getRoutes()) {
      String id = route.getOperation().getOperationId();
      operations.add(id);
      Handler<RoutingContext>[] handlers = bindings.get(id);
      if (handlers == null) {
        throw new IllegalStateException(contractPath + ": operation " + id + " has no handler");
      }
      route.setDoValidation(false); // done by validate(), which remembers what a GET URI validated to
      JsonObject operation = operationJson(document, route.getOperation());
      if (secured(document, operation)) {
        route.addHandler(auth::authenticate);
        if (operation.getJsonArray("x-roles", new JsonArray()).contains("admin")) {
          route.addHandler(Auth::requireAdmin);
        }
      } else if (operation.containsKey("x-roles")) {
        throw new IllegalStateException(contractPath + ": operation " + id + " names roles but is not secured");
      }
      Operation described = route.getOperation();
      // a GET fully described by its URI (no header or cookie parameters): its validated form is kept per URI
      Cache<String, ValidatedRequest> validUris = described.getHttpMethod() == HttpMethod.GET
          && described.getParameters().stream().allMatch(p -> p.getIn() == Location.PATH || p.getIn() == Location.QUERY)
          ? Caffeine.newBuilder().maximumSize(VALID_URIS_PER_ROUTE).<String, ValidatedRequest>build() : null;
      route.addHandler(rc -> validate(rc, described, extractor, validator, validUris));
      Function<RoutingContext, Function<Caller, Buffer>> again = repeats.get(id);
      if (again != null) {
        if (validUris == null) {
          throw new IllegalStateException(contractPath + ": operation " + id + " is not a GET described by its URI, "
              + "so its answers cannot be given again by URI");
        }
        route.addHandler(rc -> rememberWhenAnswered(rc, repeated, again));
      }
      for (Handler<RoutingContext> handler : handlers) {
        route.addHandler(handler);
      }
      route.addFailureHandler(Problems::handleFailure);
      route.setDoSecurity(false); // enforced above, from the same contract
    }
    List<String> unknown = repeats.keySet().stream().filter(id -> !operations.contains(id)).toList();
    if (!unknown.isEmpty()) {
      throw new IllegalStateException(contractPath + ": no operation " + unknown + " to answer again");
    }
    Router router = builder.createRouter();
    String served = parsed.served();
    router.get("/openapi.yaml").handler(rc -> rc.response().putHeader("Content-Type", "application/yaml").end(served));
    return router;
  }

  /** Once an authenticated caller has been answered 200, its URI can be answered again without routing. */
  private static void rememberWhenAnswered(RoutingContext rc, RepeatedGets repeated,
      Function<RoutingContext, Function<Caller, Buffer>> again) {
    String uri = rc.request().uri();
    rc.addEndHandler(ended -> {
      if (ended.succeeded() && rc.response().getStatusCode() == 200 && rc.get(Auth.CALLER_KEY) != null) {
        repeated.remember(uri, RequestLog.route(rc), again.apply(rc));
      }
    });
    rc.next();
  }

  private static JsonObject operationJson(JsonObject document, Operation operation) {
    return document.getJsonObject("paths").getJsonObject(operation.getOpenAPIPath())
        .getJsonObject(operation.getHttpMethod().name().toLowerCase(java.util.Locale.ROOT));
  }

  /** The operation's own {@code security}, else the document's; secured unless empty or with an empty alternative. */
  static boolean secured(JsonObject document, JsonObject operation) {
    JsonArray requirements = operation.containsKey("security") ? operation.getJsonArray("security")
        : document.getJsonArray("security", new JsonArray());
    if (requirements == null || requirements.isEmpty()) {
      return false;
    }
    return requirements.stream().noneMatch(r -> r instanceof JsonObject o && o.isEmpty());
  }

  /**
   * Validates the request against its operation. A GET is fully described by its URI (these contracts declare no
   * header or cookie parameters on GETs), so its validated form is remembered per URI ({@code validUris}, null for
   * other operations): vertx-openapi 5.0 builds schema validators and hops to a worker thread on every request,
   * which cost a catalog page most of its time.
   */
  private static void validate(RoutingContext rc, Operation operation, RequestExtractor extractor,
      RequestValidator validator, Cache<String, ValidatedRequest> validUris) {
    // only for authenticated callers: anonymous traffic must not be able to fill (and churn) the cache with made-up
    // query strings on a public route
    String uri = validUris != null && rc.get(Auth.CALLER_KEY) != null ? rc.request().uri() : null;
    ValidatedRequest known = uri == null ? null : validUris.getIfPresent(uri);
    if (known != null) {
      rc.put(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST, known);
      rc.next();
      return;
    }
    extractor.extractValidatableRequest(rc, operation)
        .compose(request -> validator.validate(request, operation.getOperationId()))
        .onSuccess(validated -> {
          if (uri != null) {
            validUris.put(uri, validated);
          }
          rc.put(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST, validated);
          rc.next();
        })
        .onFailure(rc::fail);
  }
}
