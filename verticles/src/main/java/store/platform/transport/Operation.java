package store.platform.transport;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One internal operation of a service, declared once in that service's {@code api} package and used by both sides:
 * the client calls it ({@link ServiceChannel#call(Operation, Object, store.platform.Caller)}) and gets its answer
 * record back, the module serves it ({@link InternalOperations#on(Operation, InternalOperations.Handler)}) and
 * answers that record. It carries the operation's name, the services allowed to call it, whether the HTTP transport
 * may retry it, how its request and answer records map to the JSON that travels (so no operation or field name
 * is spelled on both sides of a boundary), and the operations of other services that serving it calls.
 *
 * @param <Q> the request record
 * @param <A> the answer record
 */
public record Operation<Q, A>(String name, Set<String> callers, boolean idempotent, Codec<Q> request,
    Codec<A> answer, List<Operation<?, ?>> calls) {

  public Operation(String name, Set<String> callers, boolean idempotent, Codec<Q> request, Codec<A> answer) {
    this(name, callers, idempotent, request, answer, List.of());
  }

  /** The same operation, whose handling calls {@code downstream} (other services' operations) on its way. */
  public Operation<Q, A> calling(Operation<?, ?>... downstream) {
    return new Operation<>(name, callers, idempotent, request, answer, List.of(downstream));
  }

  /** How many calls deep serving it goes: 0 when it answers from its own service's storage. */
  public int depth() {
    return calls.stream().mapToInt(c -> 1 + c.depth()).max().orElse(0);
  }

  /**
   * How long a channel waits for an operation {@code depth} calls deep, given how long one call may take
   * ({@code client.timeout-ms}): a call's time for each level. A caller that gave up while its callee still waited
   * for its own callee would answer 503 for a checkout that then went through (a keyed retry finds the order, but the
   * client was told to try again).
   */
  public static long timeoutMs(long perCallMs, int depth) {
    return perCallMs * (1 + depth);
  }

  /** How a record travels: to JSON on one side, back from it on the other. */
  public record Codec<T>(Function<T, JsonObject> encode, Function<JsonObject, T> decode) {
  }

  /** The request of an operation that needs nothing but its caller. */
  public record NoArguments() {
  }

  /** The answer of an operation that has nothing to tell but that it succeeded. */
  public record Done() {
  }

  public static final Codec<NoArguments> NO_ARGUMENTS = new Codec<>(none -> new JsonObject(),
      json -> new NoArguments());

  public static final Codec<Done> DONE = new Codec<>(done -> new JsonObject(), json -> new Done());

  /** The names of the operations the transport may retry. */
  public static Set<String> idempotent(List<Operation<?, ?>> operations) {
    return operations.stream().filter(Operation::idempotent).map(Operation::name).collect(Collectors.toSet());
  }
}
