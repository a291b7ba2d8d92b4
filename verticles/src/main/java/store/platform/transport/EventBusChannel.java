package store.platform.transport;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import store.platform.Caller;
import store.platform.ProblemException;

/** All-in-one transport: request/reply on the callee's event-bus address. */
public final class EventBusChannel implements ServiceChannel {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EventBusChannel.class);
  private final Vertx vertx;
  private final String from;
  private final String service;
  private final long timeoutMs;
  private final CallMetrics metrics;

  public EventBusChannel(Vertx vertx, String from, String service, long timeoutMs, CallMetrics metrics) {
    this.vertx = vertx;
    this.from = from;
    this.service = service;
    this.timeoutMs = timeoutMs;
    this.metrics = metrics;
  }

  @Override
  public Future<JsonObject> call(String operation, int depth, JsonObject payload, Caller caller) {
    long budget = caller.budgetMs(Operation.timeoutMs(timeoutMs, depth));
    if (budget <= 0) { // whoever this call is made for has stopped waiting
      return toProblem(new IllegalStateException("the caller's deadline has passed before calling " + operation));
    }
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(budget)
        .addHeader(InternalOperations.BUDGET_HEADER, Long.toString(budget))
        .addHeader(InternalOperations.OPERATION_HEADER, operation)
        .addHeader(InternalOperations.FROM_HEADER, from)
        .addHeader(InternalOperations.CALLER_HEADER, caller.username())
        .addHeader(InternalOperations.ADMIN_HEADER, Boolean.toString(caller.admin()));
    if (caller.requestId() != null) {
      options.addHeader(InternalOperations.REQUEST_ID_HEADER, caller.requestId());
    }
    Future<JsonObject> reply = vertx.eventBus()
        .<JsonObject>request(InternalOperations.address(service), payload, options)
        .map(Message::body)
        .recover(this::toProblem);
    return metrics.time(service, operation, "eventbus", reply);
  }

  private Future<JsonObject> toProblem(Throwable failure) {
    if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
      try {
        return Future.failedFuture(ProblemException.fromJson(new JsonObject(reply.getMessage()), reply.failureCode()));
      } catch (RuntimeException notJson) {
        LOG.warn("{} service failed: {}", service, reply.getMessage());
        return Future.failedFuture(ProblemException.unavailable("The " + service + " service failed; try again"));
      }
    }
    // the reason (timeout, no handler) goes to the log, not to the client
    LOG.warn("{} service is unavailable: {}", service, failure.getMessage());
    return Future.failedFuture(ProblemException.unavailable("The " + service + " service is unavailable; try again"));
  }

  @Override
  public String target() {
    return service;
  }
}
