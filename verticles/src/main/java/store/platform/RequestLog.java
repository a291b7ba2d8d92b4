package store.platform;

import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request id and the access log: every request gets an id (the gateway's {@code X-Request-ID} when it sent a
 * sane one, else a new one), answers it in {@code X-Request-ID}, and leaves one line in the {@code access} log with
 * method, path, route, status, duration, id and trace id. The id rides along on every call to another service (event-bus
 * header or HTTP header, see {@link Caller#requestId()}), so one id finds a request in every service's log.
 */
public final class RequestLog {
  public static final String HEADER = "X-Request-ID";
  private static final String KEY = "store.request-id";
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  static final Logger ACCESS = LoggerFactory.getLogger("access");

  private RequestLog() {
  }

  /** A sane id from a header, or null. */
  public static String sane(String id) {
    return id != null && SANE.matcher(id).matches() ? id : null;
  }

  /** First handler of every router. */
  public static void handle(RoutingContext rc) {
    String given = sane(rc.request().getHeader(HEADER));
    String id = given != null ? given : UUID.randomUUID().toString();
    rc.put(KEY, id);
    rc.response().putHeader(HEADER, id);
    long start = System.nanoTime();
    String trace = Spans.traceId(); // the server span Vert.x opened for this request, when traced
    rc.addEndHandler(v -> {
      Route route = rc.currentRoute();
      ACCESS.info("{} {} {} {}ms route={} rid={} trace={}", rc.request().method(), rc.request().path(),
          rc.response().getStatusCode(), (System.nanoTime() - start) / 1_000_000,
          route == null || route.getPath() == null ? "-" : route.getPath(), id, trace);
    });
    rc.next();
  }

  public static String id(RoutingContext rc) {
    return rc.get(KEY);
  }

  /** One line for an internal operation served from the event bus (all-in-one mode has no HTTP hop for it). */
  public static void internal(String service, String operation, String from, int status, long startNanos,
      String requestId, String traceId) {
    ACCESS.info("EVENTBUS {}.{} from={} {} {}ms rid={} trace={}", service, operation, from, status,
        (System.nanoTime() - startNanos) / 1_000_000, requestId == null ? "-" : requestId, traceId);
  }
}
