package store.platform;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
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

  public Future<Router> build(Vertx vertx) {
    return OpenAPIContract.from(vertx, contractPath).map(contract -> {
      // the root router's BodyHandler has read the body already (and enforced the size limit)
      RouterBuilder builder = RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler());
      for (OpenAPIRoute route : builder.getRoutes()) {
        String id = route.getOperation().getOperationId();
        Handler<RoutingContext>[] handlers = bindings.get(id);
        if (handlers == null) {
          throw new IllegalStateException(contractPath + ": operation " + id + " has no handler");
        }
        for (Handler<RoutingContext> handler : handlers) {
          route.addHandler(handler);
        }
        route.addFailureHandler(Problems::handleFailure);
        route.setDoSecurity(false); // the contract documents bearer auth; Auth#authenticate enforces it per route
      }
      Router router = builder.createRouter();
      String text = vertx.fileSystem().readFileBlocking(contractPath).toString();
      router.get("/openapi.yaml").handler(rc -> rc.response().putHeader("Content-Type", "application/yaml").end(text));
      return router;
    });
  }
}
