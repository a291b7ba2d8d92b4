package store.platform.transport;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One internal operation of a service, declared once in that service's {@code api} package and used by both sides:
 * the client calls it ({@link ServiceChannel#call(Operation, Object, store.platform.Caller)}), the module serves it
 * ({@link InternalOperations#on(Operation, InternalOperations.Handler)}). It carries the operation's name, the
 * services allowed to call it, whether the HTTP transport may retry it, and how its request record maps to the JSON
 * that travels; so no operation or field name is spelled on both sides of a boundary.
 *
 * @param <Q> the request record
 */
public record Operation<Q>(String name, Set<String> callers, boolean idempotent, Function<Q, JsonObject> encode,
    Function<JsonObject, Q> decode) {

  /** The request of an operation that needs nothing but its caller. */
  public record NoArguments() {
  }

  /** An operation whose request is its caller alone. */
  public static Operation<NoArguments> withoutArguments(String name, Set<String> callers, boolean idempotent) {
    return new Operation<>(name, callers, idempotent, none -> new JsonObject(), json -> new NoArguments());
  }

  /** The names of the operations the transport may retry. */
  public static Set<String> idempotent(List<Operation<?>> operations) {
    return operations.stream().filter(Operation::idempotent).map(Operation::name).collect(Collectors.toSet());
  }
}
