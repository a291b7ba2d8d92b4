package store.platform;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * Counts failed attempts (wrong password, name already taken) per key in fixed windows, and refuses a key that has
 * failed too often with a 429 problem and {@code Retry-After}. Only failures count, so a legitimate burst of
 * registrations and logins from one address never meets the limit, while guessing does.
 *
 * <p>Counts live in this process: behind nginx each replica limits on its own, and the gateway's {@code limit_req}
 * bounds the total.
 */
public final class AttemptLimiter {
  private final String what;
  private final int maxFailures;
  private final long windowMillis;
  private final Cache<String, Window> windows;

  private static final class Window {
    final long start;
    int failures;

    Window(long start) {
      this.start = start;
    }
  }

  public AttemptLimiter(String what, int maxFailures, Duration window) {
    this.what = what;
    this.maxFailures = maxFailures;
    this.windowMillis = window.toMillis();
    this.windows = Caffeine.newBuilder().maximumSize(200_000).expireAfterWrite(window).build();
  }

  /** Throws a 429 problem if any of the keys has used up its failures in the current window. */
  public void check(String... keys) {
    long now = System.currentTimeMillis();
    for (String key : keys) {
      Window window = windows.getIfPresent(key);
      if (window != null) {
        synchronized (window) {
          long left = window.start + windowMillis - now;
          if (left > 0 && window.failures >= maxFailures) {
            throw ProblemException.tooManyRequests("Too many failed " + what + " attempts; try again in "
                + ((left + 999) / 1000) + " s", (int) ((left + 999) / 1000));
          }
        }
      }
    }
  }

  public void failed(String... keys) {
    long now = System.currentTimeMillis();
    for (String key : keys) {
      windows.asMap().compute(key, (k, window) -> {
        Window current = window == null || now - window.start >= windowMillis ? new Window(now) : window;
        synchronized (current) {
          current.failures++;
        }
        return current;
      });
    }
  }
}
