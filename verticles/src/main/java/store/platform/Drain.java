package store.platform;

import io.netty.channel.Channel;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process about to stop, in two steps before its servers shut down.
 *
 * <p>{@link #begin}: for a moment it keeps serving, but every answer asks its client to close the connection and
 * readiness reports 503, so a gateway stops reusing kept-alive connections (and a load balancer stops sending)
 * before the listeners close; a connection the server closes while idle would otherwise race a request the gateway
 * is writing into it, and a POST lost that way is not retried.
 *
 * <p>{@link #stopAccepting}: the listening sockets close, so a new connection is refused (a gateway sends that request
 * to another replica, a POST included: nothing was sent), and the process waits until every connection it accepted has
 * brought its first request. Vert.x's shutdown closes a connection with no request in progress at once, and a gateway
 * writes its request right after connecting: a connection accepted a moment before the shutdown would be closed under
 * that request. Then it waits until the requests in progress have been answered ({@link #awaitRequestsInFlight}):
 * only then are the verticles undeployed, which also unregisters the services' event-bus consumers, so a checkout in
 * progress in the all-in-one process still reaches the order service it calls.
 */
public final class Drain {
  private static final Logger LOG = LoggerFactory.getLogger(Drain.class);

  private volatile boolean draining;
  private volatile boolean accepting = true;
  private final Set<Channel> listeners = ConcurrentHashMap.newKeySet();
  /** Accepted connections that have not yet brought a request, with when they were accepted. */
  private final Map<HttpConnection, Long> awaitingFirstRequest = new ConcurrentHashMap<>();
  /** Requests routed and not yet answered (nor cut off by their connection closing). */
  private final AtomicInteger requestsInFlight = new AtomicInteger();

  public void begin() {
    draining = true;
  }

  public boolean draining() {
    return draining;
  }

  /** Follows the server's connections; call before it listens. */
  public HttpServer watch(HttpServer server) {
    return server.connectionHandler(this::accepted);
  }

  private void accepted(HttpConnection connection) {
    Channel listener = listenerOf(connection);
    if (listener != null && listeners.add(listener) && !accepting) {
      listener.close(); // a listener that saw its first connection after the others closed
    }
    awaitingFirstRequest.put(connection, System.nanoTime());
    connection.closeHandler(v -> awaitingFirstRequest.remove(connection));
  }

  /**
   * The socket that accepted the connection. Vert.x has no public way to stop accepting without also closing idle
   * connections, so this reads Netty's channel through Vert.x's connection implementation; if that changes, the
   * listeners are left to Vert.x's shutdown (and the race described above is back, which GatewayIT shows).
   */
  private static Channel listenerOf(HttpConnection connection) {
    if (connection instanceof io.vertx.core.http.impl.HttpServerConnection internal) {
      return internal.channelHandlerContext().channel().parent();
    }
    return null;
  }

  /** Accepted connections that have not yet brought their first request (nor closed). */
  public int connectionsAwaitingFirstRequest() {
    return awaitingFirstRequest.size();
  }

  /** A request came on its connection: the connection no longer waits for its first one. */
  void requestArrived(HttpServerRequest request) {
    awaitingFirstRequest.remove(request.connection());
  }

  /** Router handler, first on every listener. */
  public void handle(RoutingContext rc) {
    requestArrived(rc.request());
    requestsInFlight.incrementAndGet();
    rc.addEndHandler(ended -> requestsInFlight.decrementAndGet()); // once: answered, failed or connection closed
    if (draining) {
      rc.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    rc.next();
  }

  /**
   * Closes the listeners, then completes once every accepted connection has brought its first request, or has been
   * open for {@code patienceMs} without one (a client that connected ahead of need, as browsers do).
   */
  public Future<Void> stopAccepting(Vertx vertx, long patienceMs) {
    accepting = false;
    listeners.forEach(Channel::close);
    Promise<Void> done = Promise.promise();
    awaitFirstRequests(vertx, patienceMs, System.nanoTime(), connectionsAwaitingFirstRequest(), done);
    return done.future();
  }

  /** Requests routed and not yet answered. */
  public int requestsInFlight() {
    return requestsInFlight.get();
  }

  /**
   * Completes once no request is in progress, or after {@code patienceMs}. Called once the listeners are closed: a new
   * request can then come only on a connection already open, whose every answer since the drain began asked its
   * client to close it.
   */
  public Future<Void> awaitRequestsInFlight(Vertx vertx, long patienceMs) {
    Promise<Void> done = Promise.promise();
    awaitAnswers(vertx, System.nanoTime() + patienceMs * 1_000_000, System.nanoTime(), requestsInFlight(), done);
    return done.future();
  }

  private void awaitAnswers(Vertx vertx, long deadline, long began, int inFlightAtStart, Promise<Void> done) {
    int left = requestsInFlight();
    if (left == 0 || System.nanoTime() > deadline) {
      LOG.info("{} request(s) were in progress, waited {} ms for them{}", inFlightAtStart,
          (System.nanoTime() - began) / 1_000_000, left == 0 ? "" : "; " + left + " still are");
      done.complete();
    } else {
      vertx.setTimer(5, t -> awaitAnswers(vertx, deadline, began, inFlightAtStart, done));
    }
  }

  private void awaitFirstRequests(Vertx vertx, long patienceMs, long began, int waitingAtClose, Promise<Void> done) {
    long oldest = System.nanoTime() - patienceMs * 1_000_000;
    awaitingFirstRequest.values().removeIf(acceptedAt -> acceptedAt < oldest);
    if (awaitingFirstRequest.isEmpty()) {
      LOG.info("Listeners closed; {} connection(s) had not yet sent their request, waited {} ms for them",
          waitingAtClose, (System.nanoTime() - began) / 1_000_000);
      done.complete();
    } else {
      vertx.setTimer(5, t -> awaitFirstRequests(vertx, patienceMs, began, waitingAtClose, done));
    }
  }
}
