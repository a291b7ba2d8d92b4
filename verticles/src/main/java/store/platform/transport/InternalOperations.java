package store.platform.transport;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import store.platform.Auth;
import store.platform.Caller;
import store.platform.ProblemException;
import store.platform.Problems;
import store.platform.RequestLog;
import store.platform.Spans;

/**
 * The receiving side of a service boundary: one table of operations, each with the services allowed to call it,
 * registered on both channels, so no operation is written twice. On the event bus the caller travels in delivery
 * headers (the bus is in-process and has no bridge to clients); over HTTP it travels as an internal credential,
 * signed with the internal key, naming caller, target and operation, and served on the internal listener only.
 */
public final class InternalOperations {
  static final String OPERATION_HEADER = "operation";
  static final String CALLER_HEADER = "caller";
  static final String ADMIN_HEADER = "caller-admin";
  static final String FROM_HEADER = "from";
  static final String REQUEST_ID_HEADER = "request-id";
  /**
   * How long the caller waits for the answer, in milliseconds, on both channels: the callee's own calls stop when
   * it stops waiting (its {@link Caller#deadlineMillis}) instead of working on for an answer nobody takes.
   */
  public static final String BUDGET_HEADER = "X-Request-Budget-Ms";

  /** What travels: JSON in, JSON out, on behalf of a caller. */
  @FunctionalInterface
  private interface JsonHandler {
    Future<JsonObject> handle(JsonObject payload, Caller caller);
  }

  /** An operation served: who may call it, what it calls in turn (operation names), its handler. */
  private record Entry(Set<String> callers, Set<String> calls, JsonHandler operation) {
  }

  private final Map<String, Entry> operations = new LinkedHashMap<>();
  private String service = "?";

  /** A declared operation's handler: its request record in, its answer record out, on behalf of a caller. */
  @FunctionalInterface
  public interface Handler<Q, A> {
    Future<A> handle(Q request, Caller caller);
  }

  /** Serves a declared operation: only the services it names may call it. */
  public <Q, A> InternalOperations on(Operation<Q, A> operation, Handler<Q, A> handler) {
    operations.put(operation.name(), new Entry(operation.callers(),
        operation.calls().stream().map(Operation::name).collect(Collectors.toUnmodifiableSet()),
        (payload, caller) -> handler.handle(operation.request().decode().apply(payload), caller)
            .map(answer -> operation.answer().encode().apply(answer))));
    return this;
  }

  /** The names of the operations served: each service's are those its {@code api} package declares. */
  public Set<String> names() {
    return Set.copyOf(operations.keySet());
  }

  public static String address(String service) {
    return "store." + service + ".internal";
  }

  public Future<Void> registerOnEventBus(Vertx vertx, String service) {
    this.service = service;
    return vertx.eventBus().<JsonObject>consumer(address(service), this::onMessage).completion();
  }

  private void onMessage(Message<JsonObject> message) {
    long start = System.nanoTime();
    String trace = Spans.traceId(); // while the consumer's span is current: replying ends it
    String from = message.headers().get(FROM_HEADER);
    String operation = message.headers().get(OPERATION_HEADER);
    Caller caller = withBudget(new Caller(message.headers().get(CALLER_HEADER),
        Boolean.parseBoolean(message.headers().get(ADMIN_HEADER)),
        RequestLog.sane(message.headers().get(REQUEST_ID_HEADER))), message.headers().get(BUDGET_HEADER));
    invoke(from, operation, message.body(), caller).onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(ar.result(), new DeliveryOptions());
        RequestLog.internal(service, operation, from, 200, start, caller.requestId(), trace);
      } else {
        ProblemException problem = Problems.toProblem(ar.cause(), 500);
        message.fail(problem.status(), problem.toJson().encode());
        RequestLog.internal(service, operation, from, problem.status(), start, caller.requestId(), trace);
      }
    });
  }

  /** {@code POST /internal/{operation}} with an internal credential, on the internal listener only. */
  public void mount(Router router, Auth auth, String service) {
    router.post("/internal/:operation").handler(rc -> {
      String credential = rc.request().getHeader(Auth.INTERNAL_HEADER);
      String operation = rc.pathParam("operation");
      auth.verifyInternalCredential(credential, service, operation)
          .compose(verified -> invoke(verified.service(), operation, body(rc),
              withBudget(verified.caller().withRequestId(RequestLog.id(rc)), rc.request().getHeader(BUDGET_HEADER))))
          .onSuccess(result -> rc.response().putHeader("Content-Type", "application/json").end(result.encode()))
          .onFailure(rc::fail);
    });
  }

  /** The caller, with the deadline its {@link #BUDGET_HEADER} gives (none when absent or not a positive number). */
  private static Caller withBudget(Caller caller, String budgetMs) {
    try {
      long budget = budgetMs == null ? 0 : Long.parseLong(budgetMs);
      return budget > 0 ? caller.withDeadline(System.currentTimeMillis() + budget) : caller;
    } catch (NumberFormatException e) {
      return caller;
    }
  }

  private static JsonObject body(RoutingContext rc) {
    return rc.body().isEmpty() ? new JsonObject() : rc.body().asJsonObject();
  }

  private Future<JsonObject> invoke(String from, String name, JsonObject payload, Caller caller) {
    Entry entry = operations.get(name);
    if (entry == null) {
      return Future.failedFuture(ProblemException.notFound("No internal operation " + name));
    }
    if (from == null || !entry.callers().contains(from)) {
      return Future.failedFuture(ProblemException.forbidden("Service " + from + " may not call " + name));
    }
    if (caller.isSystem() && !caller.username().equals("system:" + from)) {
      // a service acts on its own account only: the cart cannot pass itself off as the order service
      return Future.failedFuture(ProblemException.forbidden("Service " + from + " may not act as " + caller.username()));
    }
    try {
      return entry.operation().handle(payload == null ? new JsonObject() : payload, caller.serving(entry.calls()));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
