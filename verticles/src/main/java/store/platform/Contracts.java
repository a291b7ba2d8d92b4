package store.platform;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The services' OpenAPI contracts ({@code conf/openapi/<service>.yaml}, from {@code ./conf} or the jar), read and
 * parsed once per process. Parsing one (vertx-openapi loads its meta-schemas, validates the document against them and
 * resolves every reference) was most of the listeners' start-up, and each HTTP verticle instance did it again; the
 * launcher now parses them while the Cassandra node starts, and every instance's router reuses the result. Values
 * are kept, never futures: a future completed on one event loop would run another loop's callbacks on it.
 */
public final class Contracts {

  /**
   * One service's contract as mounted at a prefix: the parsed form routes and validates requests ({@code security}
   * removed, enforced by {@link ContractRouter} from {@code document}); {@code served} is the text Swagger users get.
   */
  public record Parsed(String path, OpenAPIContract contract, JsonObject document, String served) {
  }

  private final Map<String, Parsed> parsed = new ConcurrentHashMap<>();

  /** The contract of {@code service} for routes mounted at {@code prefix}, parsed at the first call. */
  public Future<Parsed> get(Vertx vertx, String service, String prefix, String gatewayPrefix) {
    String key = service + ' ' + prefix;
    Parsed known = parsed.get(key);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    return parse(vertx, "conf/openapi/" + service + ".yaml", prefix, gatewayPrefix)
        .onSuccess(contract -> parsed.putIfAbsent(key, contract));
  }

  private static Future<Parsed> parse(Vertx vertx, String path, String prefix, String gatewayPrefix) {
    return vertx.fileSystem().readFile(path).map(Object::toString).compose(text -> {
      // as served to Swagger users: paths are relative to the gateway prefix, in both topologies
      String served = text.replaceFirst("(?m)^paths:", "servers:\n  - url: " + gatewayPrefix + "\npaths:")
          .replace("x-served-request-body:", "requestBody:")
          .replace("tokenUrl: http://product-store/", "tokenUrl: /");
      JsonObject raw = new JsonObject(new org.yaml.snakeyaml.Yaml().<Map<String, Object>>load(text));
      // the validator finds path parameters by their position in the full request path: it must know the prefix
      if (!prefix.isEmpty()) {
        raw.put("servers", new JsonArray().add(new JsonObject().put("url", "http://product-store" + prefix)));
      }
      JsonObject document = raw.copy();
      // authorisation is enforced by ContractRouter, from `document`; the router builder would otherwise install its
      // own chain for the contract's schemes (and finds no provider for them)
      raw.remove("security");
      raw.getJsonObject("paths").forEach(p -> ((JsonObject) p.getValue()).forEach(op -> {
        if (op.getValue() instanceof JsonObject operation) {
          operation.remove("security");
        }
      }));
      return OpenAPIContract.from(vertx, raw).map(contract -> new Parsed(path, contract, document, served));
    });
  }
}
