package store.platform.transport;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import store.platform.Caller;

/**
 * The one boundary between services. A typed client in a service's {@code api} package wraps a channel; the
 * launcher decides which implementation it gets: {@link EventBusChannel} when both services share a JVM,
 * {@link HttpChannel} when they don't. Business code never knows which.
 *
 * <p>Failures are {@link store.platform.ProblemException}s: the callee's own problem (status, type, detail)
 * arrives unchanged; an unreachable callee is a 503.
 */
public interface ServiceChannel {

  /**
   * Calls the operation named {@code operation}, whose handling goes {@code depth} calls deeper
   * ({@link Operation#depth()}): the channel waits for it accordingly
   * ({@link Operation#timeoutMs}).
   */
  Future<JsonObject> call(String operation, int depth, JsonObject payload, Caller caller);

  /**
   * Calls a declared operation with its request record; answers its answer record. An operation being served may
   * only call what it declares ({@link Operation#calling}): its callers' wait was reckoned from those calls, so an
   * undeclared one fails at once (a 500 and a logged error: a programming error every test of the flow finds)
   * instead of timing out under load.
   */
  default <Q, A> Future<A> call(Operation<Q, A> operation, Q request, Caller caller) {
    if (!caller.mayCall(operation.name())) {
      return Future.failedFuture(new IllegalStateException("An internal operation called " + target() + "."
          + operation.name() + " without declaring it (Operation.calling in its api package)"));
    }
    return call(operation.name(), operation.depth(), operation.request().encode().apply(request), caller)
        .map(json -> operation.answer().decode().apply(json));
  }

  /** The name of the service on the other side, for messages and metrics. */
  String target();
}
