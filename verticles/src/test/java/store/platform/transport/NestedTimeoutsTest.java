package store.platform.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import store.cart.api.CartOperations;
import store.catalog.api.CatalogOperations;
import store.order.api.OrderOperations;
import store.platform.Caller;
import store.platform.ProblemException;

/**
 * A caller waits for an operation as long as the calls it makes take: one call's time ({@code client.timeout-ms})
 * per level. The checkout (cart → order → catalog) used to be given one call's time, like a read, and a slow
 * checkout that went through was answered 503 to the shopper.
 */
class NestedTimeoutsTest {
  private static final long PER_CALL_MS = 300;
  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void theStoreDeclaresHowDeepItsOperationsGo() {
    assertThat(CatalogOperations.RESERVE_ORDERED.depth()).isZero();
    assertThat(OrderOperations.PLACE.depth()).as("order → catalog").isEqualTo(1);
    assertThat(CartOperations.CHECKOUT.depth()).as("cart → order → catalog").isEqualTo(2);
    assertThat(CartOperations.GET_CART.depth()).as("from the cart's own storage").isZero();
  }

  @Test
  void anOperationThatCallsFurtherIsWaitedForLonger() throws Exception {
    // a callee answering after 1.5 calls' time, as a service does that waits for a slow callee of its own
    vertx.eventBus().<JsonObject>consumer(InternalOperations.address("slow"),
        message -> vertx.setTimer(PER_CALL_MS * 3 / 2, t -> message.reply(new JsonObject().put("answered", true))));
    EventBusChannel channel = new EventBusChannel(vertx, "test", "slow", PER_CALL_MS,
        new CallMetrics(new SimpleMeterRegistry()));
    Operation<Operation.NoArguments, Operation.Done> leaf = new Operation<>("leaf", Set.of("test"), true,
        Operation.NO_ARGUMENTS, Operation.DONE);
    Operation<Operation.NoArguments, Operation.Done> nested = new Operation<>("nested", Set.of("test"), true,
        Operation.NO_ARGUMENTS, Operation.DONE).calling(leaf);

    assertThat(await(channel.call(nested, new Operation.NoArguments(), Caller.system("test")))).isNotNull();
    assertThatThrownBy(() -> await(channel.call(leaf, new Operation.NoArguments(), Caller.system("test"))))
        .hasCauseInstanceOf(ProblemException.class).cause().hasMessageContaining("unavailable");
    assertThat(List.of(Operation.timeoutMs(PER_CALL_MS, 0), Operation.timeoutMs(PER_CALL_MS, 2)))
        .containsExactly(PER_CALL_MS, 3 * PER_CALL_MS);
  }

  @Test
  void aCalleeKnowsWhenItsCallerStopsWaitingAndCallsMadeForItStopThen() throws Exception {
    // the callee is a real InternalOperations table: the caller it hands the handler carries the caller's deadline
    java.util.concurrent.atomic.AtomicLong seenBudget = new java.util.concurrent.atomic.AtomicLong(-1);
    Operation<Operation.NoArguments, Operation.Done> probe = new Operation<>("probe", Set.of("test"), true,
        Operation.NO_ARGUMENTS, Operation.DONE);
    await(new InternalOperations().on(probe, (none, caller) -> {
      seenBudget.set(caller.deadlineMillis() - System.currentTimeMillis());
      return Future.succeededFuture(new Operation.Done());
    }).registerOnEventBus(vertx, "deadlines"));
    EventBusChannel channel = new EventBusChannel(vertx, "test", "deadlines", PER_CALL_MS,
        new CallMetrics(new SimpleMeterRegistry()));

    await(channel.call(probe, new Operation.NoArguments(), Caller.system("test")));
    assertThat(seenBudget.get()).as("no deadline given: the callee gets the call's own time")
        .isBetween(1L, PER_CALL_MS);
    Caller hurried = Caller.system("test").withDeadline(System.currentTimeMillis() + 100);
    await(channel.call(probe, new Operation.NoArguments(), hurried));
    assertThat(seenBudget.get()).as("what is left of the caller's 100 ms, not the call's 300").isBetween(1L, 100L);

    seenBudget.set(-1);
    Caller gone = Caller.system("test").withDeadline(System.currentTimeMillis() - 1);
    assertThatThrownBy(() -> await(channel.call(probe, new Operation.NoArguments(), gone)))
        .hasCauseInstanceOf(ProblemException.class);
    assertThat(seenBudget.get()).as("a caller that stopped waiting: no call is made").isEqualTo(-1);
  }

  @Test
  void anOperationBeingServedMayCallOnlyWhatItDeclares() throws Exception {
    // two real InternalOperations tables on the bus: "front" serves two operations that both call "back"'s leaf,
    // one declaring it and one not; the leaf counts the calls that reach it
    java.util.concurrent.atomic.AtomicInteger leafCalls = new java.util.concurrent.atomic.AtomicInteger();
    Operation<Operation.NoArguments, Operation.Done> leaf = new Operation<>("leaf", Set.of("front"), true,
        Operation.NO_ARGUMENTS, Operation.DONE);
    await(new InternalOperations().on(leaf, (none, caller) -> {
      leafCalls.incrementAndGet();
      return Future.succeededFuture(new Operation.Done());
    }).registerOnEventBus(vertx, "back"));
    EventBusChannel toBack = new EventBusChannel(vertx, "front", "back", PER_CALL_MS,
        new CallMetrics(new SimpleMeterRegistry()));
    Operation<Operation.NoArguments, Operation.Done> declared = new Operation<>("declared", Set.of("test"), true,
        Operation.NO_ARGUMENTS, Operation.DONE).calling(leaf);
    Operation<Operation.NoArguments, Operation.Done> undeclared = new Operation<>("undeclared", Set.of("test"), true,
        Operation.NO_ARGUMENTS, Operation.DONE);
    await(new InternalOperations()
        .on(declared, (none, caller) -> toBack.call(leaf, none, caller))
        .on(undeclared, (none, caller) -> toBack.call(leaf, none, caller))
        .registerOnEventBus(vertx, "front"));
    EventBusChannel toFront = new EventBusChannel(vertx, "test", "front", PER_CALL_MS,
        new CallMetrics(new SimpleMeterRegistry()));
    Caller shopper = new Caller("shopper", false);

    assertThat(await(toFront.call(declared, new Operation.NoArguments(), shopper))).isNotNull();
    assertThat(leafCalls.get()).isEqualTo(1);
    assertThatThrownBy(() -> await(toFront.call(undeclared, new Operation.NoArguments(), shopper)))
        .cause().isInstanceOfSatisfying(ProblemException.class, p -> assertThat(p.status()).isEqualTo(500));
    assertThat(leafCalls.get()).as("the undeclared call was not made").isEqualTo(1);
    assertThat(await(toBack.call(leaf, new Operation.NoArguments(), shopper)))
        .as("a caller that is not serving an operation (a public route) is not checked").isNotNull();
  }

  private static <T> T await(Future<T> future) throws ExecutionException, InterruptedException {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no answer", e);
    }
  }
}
