package store.platform;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneRules;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request id and the access log: every request gets an id (the gateway's {@code X-Request-ID} when it sent a
 * sane one, else a new one), answers it in {@code X-Request-ID}, and leaves one line in the {@code access} log with
 * method, path, status, duration, route, id and trace id. The id rides along on every call to another service
 * (event-bus header or HTTP header, see {@link Caller#requestId()}), so one id finds a request in every service's log.
 *
 * <p>Lines are queued without locks and written in batches, one logging event every 100 ms: a logging event per
 * request (a queue hand-off that wakes a writer thread, a write to stdout) halved the RPS of a category page on two
 * cores. The request's thread only queues the message with its time; the writer formats the time (by arithmetic:
 * {@code LocalTime.now()} and a {@code DateTimeFormatter} were 5 % of a category page's CPU). Past 50 000 waiting
 * lines new ones are dropped and counted, never waited for.
 */
public final class RequestLog {
  public static final String HEADER = "X-Request-ID";
  private static final String KEY = "store.request-id";
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  private static final int MAX_PENDING = 50_000;
  /** Characters per logging event: a few hundred lines, far below G1's humongous objects (see {@link #flush}). */
  static final int EVENT_CHARS = 32 * 1024;
  static final Logger ACCESS = LoggerFactory.getLogger("access");
  private static final Queue<Pending> PENDING = new ConcurrentLinkedQueue<>();
  private static final AtomicInteger PENDING_COUNT = new AtomicInteger();
  private static final AtomicLong DROPPED = new AtomicLong();
  private static final ScheduledExecutorService WRITER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "store-access-log");
    thread.setDaemon(true);
    return thread;
  });

  static {
    WRITER.scheduleWithFixedDelay(RequestLog::flush, 100, 100, TimeUnit.MILLISECONDS);
  }

  private RequestLog() {
  }

  /** A sane id from a header, or null. */
  public static String sane(String id) {
    return id != null && SANE.matcher(id).matches() ? id : null;
  }

  /**
   * A random (version 4 layout) UUID from the thread's own generator: a request id needs to be unique, not secret,
   * and {@link UUID#randomUUID()}'s SecureRandom, shared by the event loops, was 3 % of a catalog page's CPU.
   */
  static String newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = random.nextLong() & ~0xF000L | 0x4000L;
    long low = random.nextLong() & 0x3FFFFFFFFFFFFFFFL | 0x8000000000000000L;
    return new UUID(high, low).toString();
  }

  /** First handler of every router. */
  public static void handle(RoutingContext rc) {
    String id = idFor(rc.request());
    rc.put(KEY, id);
    rc.response().putHeader(HEADER, id);
    if (ACCESS.isInfoEnabled()) {
      long start = System.nanoTime();
      String trace = Spans.traceId(); // the server span Vert.x opened for this request, when traced
      rc.addEndHandler(v -> answered(rc.request(), rc.response().getStatusCode(), start, route(rc), id, trace));
    }
    rc.next();
  }

  /** The request's id: the one it brought when sane (a gateway's), else a new one. */
  static String idFor(HttpServerRequest request) {
    String given = sane(request.getHeader(HEADER));
    return given != null ? given : newId();
  }

  /**
   * The route the access log names: as the request's meters label it (the routes it matched, joined by '>'), so a
   * line and its series name a route alike; without those meters, the route it was matching when it ended; "-": none.
   */
  static String route(RoutingContext rc) {
    String metered = HttpServerMeters.route(rc.request());
    if (metered != null) {
      return metered.isEmpty() ? "-" : metered;
    }
    Route route = rc.currentRoute();
    return route == null || route.getPath() == null ? "-" : route.getPath();
  }

  /** The access log's line for an answered request. */
  static void answered(HttpServerRequest request, int status, long startNanos, String route, String id,
      String trace) {
    if (ACCESS.isInfoEnabled()) {
      line(request.method() + " " + request.path() + " " + status + " " + (System.nanoTime() - startNanos) / 1_000_000
          + "ms route=" + route + " rid=" + id + " trace=" + trace);
    }
  }

  public static String id(RoutingContext rc) {
    return rc.get(KEY);
  }

  /** One line for an internal operation served from the event bus (all-in-one mode has no HTTP hop for it). */
  public static void internal(String service, String operation, String from, int status, long startNanos,
      String requestId, String traceId) {
    if (ACCESS.isInfoEnabled()) {
      line("EVENTBUS " + service + "." + operation + " from=" + from + " " + status + " "
          + (System.nanoTime() - startNanos) / 1_000_000 + "ms rid=" + (requestId == null ? "-" : requestId)
          + " trace=" + traceId);
    }
  }

  /** A line waiting for the writer: when, on which thread, what. */
  private record Pending(long epochMillis, String thread, String message) {
  }

  /** Queues a line; the writer prints it as the root logger's pattern would: time, level, thread, logger. */
  private static void line(String message) {
    if (PENDING_COUNT.incrementAndGet() > MAX_PENDING) {
      PENDING_COUNT.decrementAndGet();
      DROPPED.incrementAndGet();
      return;
    }
    PENDING.add(new Pending(System.currentTimeMillis(), Thread.currentThread().getName(), message));
  }

  /**
   * Writes what is queued, as logging events of at most {@link #EVENT_CHARS} characters each (also called when the
   * process stops). One event for everything queued in 100 ms was 0.8 MB at 60 000 requests a second: the builder,
   * its string, the layout's copy and the encoded bytes were each "humongous" for G1 at the store JVM's heap size
   * (objects of half a region, 512 KiB, are allocated in old regions), and every batch started a concurrent cycle.
   */
  public static synchronized void flush() {
    StringBuilder batch = new StringBuilder(EVENT_CHARS + 1024);
    ZoneRules zone = ZoneId.systemDefault().getRules();
    for (Pending line = PENDING.poll(); line != null; line = PENDING.poll()) {
      PENDING_COUNT.decrementAndGet();
      if (!batch.isEmpty()) {
        batch.append('\n');
      }
      appendTime(batch, line.epochMillis(), zone);
      batch.append(" INFO  [").append(line.thread()).append("] access - ").append(line.message());
      if (batch.length() >= EVENT_CHARS) {
        ACCESS.info(batch.toString());
        batch.setLength(0);
      }
    }
    long dropped = DROPPED.getAndSet(0);
    if (dropped > 0) {
      appendTime(batch.append(batch.isEmpty() ? "" : "\n"), System.currentTimeMillis(), zone);
      batch.append(" WARN  [store-access-log] access - ").append(dropped).append(" lines dropped: the log fell behind");
    }
    if (!batch.isEmpty()) {
      ACCESS.info(batch.toString());
    }
  }

  /** {@code HH:mm:ss.SSS} in the machine's time zone, as the log pattern prints its own lines. */
  static StringBuilder appendTime(StringBuilder to, long epochMillis, ZoneRules zone) {
    long local = epochMillis + zone.getOffset(Instant.ofEpochMilli(epochMillis)).getTotalSeconds() * 1000L;
    long ofDay = Math.floorMod(local, 86_400_000L);
    twoDigits(to, ofDay / 3_600_000).append(':');
    twoDigits(to, ofDay / 60_000 % 60).append(':');
    twoDigits(to, ofDay / 1000 % 60).append('.');
    long millis = ofDay % 1000;
    return to.append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10))
        .append((char) ('0' + millis % 10));
  }

  private static StringBuilder twoDigits(StringBuilder to, long value) {
    return to.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
  }
}
