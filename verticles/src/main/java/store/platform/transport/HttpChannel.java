package store.platform.transport;

import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.Set;
import store.platform.Auth;
import store.platform.Caller;
import store.platform.ProblemException;
import store.platform.RequestLog;

/**
 * Split-mode transport: {@code POST {baseUrl}/internal/{operation}} through WebClient, with a timeout and a circuit
 * breaker. Retries happen only for operations the callee declares idempotent, and only on transport failures or
 * 5xx answers: a 4xx is an answer, not a fault, and neither retries nor opens the circuit.
 */
public final class HttpChannel implements ServiceChannel {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HttpChannel.class);
  private final Vertx vertx;
  private final String from;
  private final WebClient client;
  private final String service;
  /**
   * The callee's replicas (internal listeners), every address of every name; calls rotate over them, and a retry
   * goes to the next one.
   */
  private final PeerAddresses peers;
  private final Auth auth;
  private final long timeoutMs;
  private final int retries;
  private final Set<String> idempotent;
  private final CircuitBreaker breaker;
  private final CallMetrics metrics;

  public HttpChannel(Vertx vertx, WebClient client, String from, String service, PeerAddresses peers, Auth auth,
      long timeoutMs, int retries, Set<String> idempotentOperations, CircuitBreakerOptions breakerOptions,
      CallMetrics metrics) {
    this.vertx = vertx;
    this.from = from;
    this.client = client;
    this.service = service;
    this.peers = peers;
    this.auth = auth;
    this.timeoutMs = timeoutMs;
    this.retries = retries;
    this.idempotent = idempotentOperations;
    this.breaker = CircuitBreaker.create(from + "-to-" + service + "-breaker", vertx, breakerOptions);
    this.metrics = metrics;
    metrics.watch(service, breaker);
  }

  @Override
  public Future<JsonObject> call(String operation, int depth, JsonObject payload, Caller caller) {
    int attempts = idempotent.contains(operation) ? retries + 1 : 1;
    Future<JsonObject> result = attempt(operation, Operation.timeoutMs(timeoutMs, depth), payload, caller, attempts)
        .compose(this::answer);
    return metrics.time(service, operation, "http", result);
  }

  private Future<HttpResponse<Buffer>> attempt(String operation, long timeout, JsonObject payload, Caller caller,
      int left) {
    long budget = caller.budgetMs(timeout); // no try outlives whoever the call is made for
    Future<HttpResponse<Buffer>> once = budget <= 0
        ? Future.failedFuture(new IllegalStateException("the caller's deadline passed before calling " + operation))
        : breaker.execute(() -> request(operation, budget, caller)
            .sendJsonObject(payload)
            .compose(response -> response.statusCode() >= 500
                ? Future.failedFuture(new ServerError(response))
                : Future.succeededFuture(response)));
    return once.recover(failure -> {
      if (left > 1 && budget > 0 && !(failure instanceof OpenCircuitException)) {
        Promise<HttpResponse<Buffer>> later = Promise.promise();
        vertx.setTimer(50L * (4 - Math.min(3, left)),
            id -> attempt(operation, timeout, payload, caller, left - 1).onComplete(later));
        return later.future();
      }
      if (failure instanceof ServerError error) {
        return Future.succeededFuture(error.response); // the callee's own 5xx problem, passed on
      }
      // the peer's address and the transport's words go to the log, not to the client
      LOG.warn("{} service is unavailable: {}", service, failure instanceof OpenCircuitException ? "circuit open"
          : failure.getMessage());
      return Future.failedFuture(ProblemException.unavailable("The " + service + " service is unavailable; try again"));
    });
  }

  private io.vertx.ext.web.client.HttpRequest<Buffer> request(String operation, long timeout, Caller caller) {
    PeerAddresses.Target target = peers.next();
    String url = target.baseUrl() + "/internal/" + operation;
    // a resolved name: connect to that address, the request still names the URL's host
    io.vertx.ext.web.client.HttpRequest<Buffer> request = (target.server() == null ? client.postAbs(url)
        : client.requestAbs(io.vertx.core.http.HttpMethod.POST, target.server(), url))
        .timeout(timeout)
        .putHeader(InternalOperations.BUDGET_HEADER, Long.toString(timeout))
        .putHeader(Auth.INTERNAL_HEADER, auth.issueInternalCredential(from, service, operation, caller));
    return caller.requestId() == null ? request : request.putHeader(RequestLog.HEADER, caller.requestId());
  }

  private Future<JsonObject> answer(HttpResponse<Buffer> response) {
    JsonObject body;
    try {
      body = response.body() == null || response.body().length() == 0 ? new JsonObject() : response.bodyAsJsonObject();
    } catch (RuntimeException e) {
      LOG.warn("{} answered {} with a body that is not JSON", service, response.statusCode());
      body = new JsonObject().put("detail", "The " + service + " service answered an unexpected reply");
    }
    if (response.statusCode() < 300) {
      return Future.succeededFuture(body);
    }
    return Future.failedFuture(ProblemException.fromJson(body, response.statusCode()));
  }

  @Override
  public String target() {
    return service;
  }

  private static final class ServerError extends RuntimeException {
    final HttpResponse<Buffer> response;

    ServerError(HttpResponse<Buffer> response) {
      super("HTTP " + response.statusCode(), null, false, false);
      this.response = response;
    }
  }
}
