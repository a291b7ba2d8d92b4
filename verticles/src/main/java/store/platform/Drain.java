package store.platform;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * A process about to stop. For a moment it keeps serving, but every answer asks its client to close the connection
 * and readiness reports 503, so a gateway stops reusing kept-alive connections (and a load balancer stops sending)
 * before the listeners close; a connection the server closes while idle would otherwise race a request the gateway
 * is writing into it, and a POST lost that way is not retried.
 */
public final class Drain {
  private volatile boolean draining;

  public void begin() {
    draining = true;
  }

  public boolean draining() {
    return draining;
  }

  /** Router handler, first on every listener. */
  public void handle(RoutingContext rc) {
    if (draining) {
      rc.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    rc.next();
  }
}
