package store.platform;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * Futures shared between requests (a cache entry that de-duplicates loads). A Vert.x future runs its callbacks on the
 * context that created it; a request that composed on another request's future would continue on that request's
 * event loop, outside its own request context and trace. {@link #onCallerContext} hands the outcome over instead.
 */
public final class SharedFutures {
  private SharedFutures() {
  }

  public static <T> Future<T> onCallerContext(Future<T> shared) {
    if (shared.isComplete()) { // the common case, a cache hit: no hop at all
      return shared.succeeded() ? Future.succeededFuture(shared.result()) : Future.failedFuture(shared.cause());
    }
    Context caller = Vertx.currentContext();
    if (caller == null) {
      return shared;
    }
    Promise<T> promise = Promise.promise();
    shared.onComplete(outcome -> caller.runOnContext(v -> promise.handle(outcome)));
    return promise.future();
  }
}
