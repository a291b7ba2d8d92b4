package store.user;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * bcrypt (BouncyCastle's OpenBSDBCrypt) on Vert.x's worker pool, never on an event loop. Cost 10 meets OWASP's
 * minimum and takes tens of milliseconds here; the seed's cost 20 took 41 s per hash.
 */
final class Passwords {
  private final Vertx vertx;
  private final int cost;
  private final SecureRandom random = new SecureRandom();
  /** Checked against when the user does not exist, so a login takes as long either way. */
  private final String decoy;

  Passwords(Vertx vertx, int cost) {
    if (cost < 10 || cost > 31) {
      throw new IllegalArgumentException("bcrypt cost must be in 10..31 (OWASP minimum is 10), got " + cost);
    }
    this.vertx = vertx;
    this.cost = cost;
    this.decoy = OpenBSDBCrypt.generate("decoy-password".toCharArray(), salt(), cost);
  }

  Future<String> hash(String password) {
    return vertx.executeBlocking(() -> OpenBSDBCrypt.generate(password.toCharArray(), salt(), cost), false);
  }

  /** {@code hash} may be null (unknown user): the decoy is checked instead and the answer is false. */
  Future<Boolean> matches(String password, String hash) {
    return vertx.executeBlocking(() -> {
      boolean ok = OpenBSDBCrypt.checkPassword(hash == null ? decoy : hash, password.toCharArray());
      return ok && hash != null;
    }, false);
  }

  private byte[] salt() {
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    return salt;
  }
}
