package store.user;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import store.platform.ProblemException;

/**
 * bcrypt (BouncyCastle's OpenBSDBCrypt) on its own small worker pool, never on an event loop and never on the shared
 * worker pool that request validation uses: a flood of logins then queues here and nowhere else. The queue is
 * bounded too; past it, a hash is refused with a 503 and {@code Retry-After} rather than waited for. Cost 10 meets
 * OWASP's minimum and takes tens of milliseconds here.
 */
final class Passwords {
  private final WorkerExecutor pool;
  private final int cost;
  private final int maxQueued;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final SecureRandom random = new SecureRandom();
  /**
   * Checked against when the user does not exist, so a login takes as long either way. Made on the pool a while
   * after the start (a first bcrypt, before the JIT, held up the user service's start by 0.2 s), or by the first
   * login that needs it if that comes first.
   */
  private volatile String decoy;
  private static final long DECOY_DELAY_MS = 3000;

  Passwords(Vertx vertx, int cost, int threads, int maxQueued) {
    if (cost < 10 || cost > 31) {
      throw new IllegalArgumentException("bcrypt cost must be in 10..31 (OWASP minimum is 10), got " + cost);
    }
    this.pool = vertx.createSharedWorkerExecutor("password-hashing", threads);
    this.cost = cost;
    this.maxQueued = maxQueued;
    // a few seconds in: made at once, it shared the two cores with the listeners' start (0.3 s of CPU)
    vertx.setTimer(DECOY_DELAY_MS, id -> pool.executeBlocking(this::decoy, false));
  }

  private String decoy() {
    String known = decoy;
    if (known == null) { // two logins racing here make two decoys: either will do
      known = OpenBSDBCrypt.generate("decoy-password".toCharArray(), salt(), cost);
      decoy = known;
    }
    return known;
  }

  Future<String> hash(String password) {
    return bounded(() -> OpenBSDBCrypt.generate(password.toCharArray(), salt(), cost));
  }

  /** {@code hash} may be null (unknown user): the decoy is checked instead and the answer is false. */
  Future<Boolean> matches(String password, String hash) {
    return bounded(() -> {
      boolean ok = OpenBSDBCrypt.checkPassword(hash == null ? decoy() : hash, password.toCharArray());
      return ok && hash != null;
    });
  }

  private <T> Future<T> bounded(Callable<T> work) {
    if (inFlight.incrementAndGet() > maxQueued) {
      inFlight.decrementAndGet();
      return Future.failedFuture(ProblemException.unavailable("Too many logins at once; try again in a moment"));
    }
    return pool.executeBlocking(work, false).andThen(ar -> inFlight.decrementAndGet());
  }

  private byte[] salt() {
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    return salt;
  }
}
