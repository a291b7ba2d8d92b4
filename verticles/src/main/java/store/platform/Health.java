package store.platform;

import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;

/** Liveness, readiness (Cassandra plus required downstreams) and the seed's health routes, via vertx-health-check. */
public final class Health {
  private final HealthChecks readiness;
  private final String service;

  public Health(Vertx vertx, String service, CassandraClient cassandra) {
    this.service = service;
    this.readiness = HealthChecks.create(vertx);
    readiness.register("cassandra", 3000, promise -> cassandra.execute("SELECT release_version FROM system.local")
        .onSuccess(rs -> promise.tryComplete(Status.OK()))
        .onFailure(e -> promise.tryComplete(Status.KO(new JsonObject().put("error", String.valueOf(e.getMessage()))))));
  }

  /** A downstream the service cannot work without; {@code probe} should be cheap. */
  public Health requires(String name, Supplier<Future<?>> probe) {
    readiness.register(name, 3000, promise -> probe.get()
        .onSuccess(v -> promise.tryComplete(Status.OK()))
        .onFailure(e -> promise.tryComplete(Status.KO(new JsonObject().put("error", String.valueOf(e.getMessage()))))));
    return this;
  }

  public void mount(Router router) {
    router.get("/health/live").handler(rc -> json(rc, 200, new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(this::ready);
    router.get("/health").handler(this::seedHealth);
    router.get("/system/health").handler(this::seedHealth); // the seed catalog's /api/system/health
  }

  private void ready(RoutingContext rc) {
    readiness.checkStatus().onComplete(ar -> {
      CheckResult result = ar.result();
      boolean up = ar.succeeded() && result.getUp();
      json(rc, up ? 200 : 503, ar.succeeded() ? result.toJson() : new JsonObject().put("status", "DOWN"));
    });
  }

  /** The seed's shape: {@code {"status": "healthy", "service": ...}}, 503 when Cassandra is unreachable. */
  public void seedHealth(RoutingContext rc) {
    readiness.checkStatus("cassandra").onComplete(ar -> {
      boolean up = ar.succeeded() && ar.result().getUp();
      json(rc, up ? 200 : 503, new JsonObject().put("status", up ? "healthy" : "unhealthy")
          .put("service", service).put("cassandra", up ? "connected" : "disconnected"));
    });
  }

  private static void json(RoutingContext rc, int status, JsonObject body) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
