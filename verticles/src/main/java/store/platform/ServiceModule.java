package store.platform;

import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import store.platform.transport.InternalOperations;

/** One service as the launcher sees it: started once per process, then served by any number of HTTP verticles. */
public interface ServiceModule {

  /** "catalog", "cart", "order" or "user". */
  String name();

  /** Gateway prefix, e.g. "/api": used in all-in-one mode, stripped behind nginx. */
  String prefix();

  /**
   * The service's tables (CREATE ... IF NOT EXISTS, added columns): brought up to date once per cluster by the
   * launcher before any service starts ({@link SchemaVersions}), never by the service itself.
   */
  Schema schema();

  /** Once per process, after the schema is current: seed data, one-off copies, background work. */
  Future<Void> start(Platform platform);

  /**
   * The public routes (from the service's OpenAPI contract), to be mounted at {@code prefix} ("" behind nginx,
   * the gateway prefix in all-in-one mode); built per HTTP verticle instance.
   */
  Future<Router> router(String prefix);

  /** The operations other services may call. */
  InternalOperations internal();

  /** Readiness checks beyond Cassandra. */
  default void readiness(Health health) {
  }

  default Future<Void> stop() {
    return Future.succeededFuture();
  }
}
