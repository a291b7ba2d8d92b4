package store.platform;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
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
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Contract-first routing: the service's OpenAPI file ({@code conf/openapi/<service>.yaml}, from {@code ./conf} or
 * the jar) defines the routes and validates every request before a handler runs. Handlers are bound by
 * operation id; an operation left unbound fails the start, so contract and code cannot drift apart silently.
 */
public final class ContractRouter {
  private final String contractPath;
  private final Map<String, Handler<RoutingContext>[]> bindings = new LinkedHashMap<>();

  public ContractRouter(String service) {
    this.contractPath = "conf/openapi/" + service + ".yaml";
  }

  @SafeVarargs
  public final ContractRouter bind(String operationId, Handler<RoutingContext>... handlers) {
    bindings.put(operationId, handlers);
    return this;
  }

  /**
   * Builds the router, to be mounted at {@code prefix} ("" behind nginx; "/api", … in all-in-one mode). The
   * contract gets the prefix as its server base path: the validator finds path parameters by their position in
   * the full request path, so it must know what precedes the contract's own paths.
   */
  public Future<Router> build(Vertx vertx, String prefix, String gatewayPrefix) {
    return vertx.fileSystem().readFile(contractPath).map(Object::toString).compose(text -> {
      // as served to Swagger users: paths are relative to the gateway prefix, in both topologies
      String served = text.replaceFirst("(?m)^paths:", "servers:\n  - url: " + gatewayPrefix + "\npaths:");
      JsonObject raw = new JsonObject(new org.yaml.snakeyaml.Yaml().<java.util.Map<String, Object>>load(text));
      if (!prefix.isEmpty()) {
        raw.put("servers", new JsonArray().add(new JsonObject().put("url", "http://product-store" + prefix)));
      }
      return OpenAPIContract.from(vertx, raw).map(contract -> router(vertx, contract, served));
    });
  }

  private Router router(Vertx vertx, OpenAPIContract contract, String served) {
    // the root router's BodyHandler has read the body already (and enforced the size limit)
    RequestExtractor extractor = RequestExtractor.withBodyHandler();
    RouterBuilder builder = RouterBuilder.create(vertx, contract, extractor);
    RequestValidator validator = RequestValidator.create(vertx, contract);
    Cache<String, ValidatedRequest> validGets = Caffeine.newBuilder().maximumSize(10_000).build();
    for (OpenAPIRoute route : builder.getRoutes()) {
      String id = route.getOperation().getOperationId();
      Handler<RoutingContext>[] handlers = bindings.get(id);
      if (handlers == null) {
        throw new IllegalStateException(contractPath + ": operation " + id + " has no handler");
      }
      route.setDoValidation(false); // done by validate(), which remembers what a GET URI validated to
      route.addHandler(rc -> validate(rc, route.getOperation(), extractor, validator, validGets));
      for (Handler<RoutingContext> handler : handlers) {
        route.addHandler(handler);
      }
      route.addFailureHandler(Problems::handleFailure);
      route.setDoSecurity(false); // the contract documents bearer auth; Auth#authenticate enforces it per route
    }
    Router router = builder.createRouter();
    router.get("/openapi.yaml").handler(rc -> rc.response().putHeader("Content-Type", "application/yaml").end(served));
    return router;
  }

  /**
   * Validates the request against its operation. A GET is fully described by its URI (these contracts declare no
   * header or cookie parameters on GETs), so its validated form is remembered per URI: vertx-openapi 5.0 builds
   * schema validators and hops to a worker thread on every request, which cost a catalog page most of its time.
   */
  private static void validate(RoutingContext rc, Operation operation, RequestExtractor extractor,
      RequestValidator validator, Cache<String, ValidatedRequest> validGets) {
    String key = operation.getHttpMethod() == HttpMethod.GET && operation.getParameters().stream()
        .allMatch(p -> p.getIn() == Location.PATH || p.getIn() == Location.QUERY)
        ? operation.getOperationId() + " " + rc.request().uri() : null;
    ValidatedRequest known = key == null ? null : validGets.getIfPresent(key);
    if (known != null) {
      rc.put(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST, known);
      rc.next();
      return;
    }
    extractor.extractValidatableRequest(rc, operation)
        .compose(request -> validator.validate(request, operation.getOperationId()))
        .onSuccess(validated -> {
          if (key != null) {
            validGets.put(key, validated);
          }
          rc.put(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST, validated);
          rc.next();
        })
        .onFailure(rc::fail);
  }
}
