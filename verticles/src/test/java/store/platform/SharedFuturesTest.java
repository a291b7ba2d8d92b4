package store.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A request that waits on another request's (cached) future continues on its own context, not the other's. */
@ExtendWith(VertxExtension.class)
class SharedFuturesTest {

  @Test
  void aPendingSharedFutureCompletesOnTheCallersContext(Vertx vertx, VertxTestContext test) {
    Context loader = vertx.getOrCreateContext();
    Context caller = vertx.getOrCreateContext();
    AtomicReference<Promise<String>> load = new AtomicReference<>();
    AtomicReference<Future<String>> shared = new AtomicReference<>();
    loader.runOnContext(v -> {
      load.set(Promise.promise());
      shared.set(load.get().future()); // the cache entry, made by the first request
      caller.runOnContext(w -> {
        Future<String> plain = shared.get().map(s -> s);
        Future<String> handed = SharedFutures.onCallerContext(shared.get()).map(s -> s);
        plain.onComplete(test.succeeding(s -> test.verify(() ->
            assertThat(Vertx.currentContext()).as("a plain future continues where it was made").isSameAs(loader))));
        handed.onComplete(test.succeeding(s -> test.verify(() -> {
          assertThat(Vertx.currentContext()).as("handed over to the caller").isSameAs(caller);
          assertThat(s).isEqualTo("page");
          test.completeNow();
        })));
        loader.runOnContext(x -> load.get().complete("page"));
      });
    });
  }

  @Test
  void aCompletedSharedFutureIsUsedRightAwayOnTheCallersThread(Vertx vertx, VertxTestContext test) {
    Context loader = vertx.getOrCreateContext();
    Context caller = vertx.getOrCreateContext();
    loader.runOnContext(v -> {
      Future<String> cached = Future.succeededFuture("page");
      caller.runOnContext(w -> SharedFutures.onCallerContext(cached).onComplete(test.succeeding(s -> test.verify(() -> {
        assertThat(Vertx.currentContext()).isSameAs(caller);
        test.completeNow();
      }))));
    });
  }
}
