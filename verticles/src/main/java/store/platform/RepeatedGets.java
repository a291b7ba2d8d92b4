package store.platform;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.function.Function;

/**
 * A GET its router answered before, answered again without the router: the same URI (so the same validated
 * parameters), a caller admitted by the same checks ({@link Auth#admittedNow}), and an answer its service still
 * keeps (a catalog page). Anything else, or any doubt, goes through the router as before: the first request for a
 * URI, a token or account not in memory, a draining process, a cross-origin request, a request with a body, an
 * answer no longer kept.
 *
 * <p>Why: Vert.x Web's routing of a cached page (two routers, about ten handlers, path matching) was the largest
 * part of what a category page cost beyond a bare Vert.x server (docs/performance.md). What the router's handlers do
 * for such a request is done here by the same code: {@link Drain#requestArrived}, {@link RequestLog#idFor} and
 * {@link RequestLog#answered}, {@link Auth#admittedNow}; the route's label for the meters and the access log is the
 * one the router gave the first request.
 */
public final class RepeatedGets {
  /** URIs remembered per process: the most asked pages (an entry holds no answer, only how to find it again). */
  private static final int URIS = 10_000;

  /** How a remembered URI is answered again: its route's label, and its answer for a caller (null: not kept). */
  record Entry(String route, Function<Caller, Buffer> answer) {
  }

  private final Cache<String, Entry> byUri = Caffeine.newBuilder().maximumSize(URIS).build();
  private final Auth auth;
  private final Drain drain;
  private final Counter answered;

  public RepeatedGets(Auth auth, Drain drain, MeterRegistry registry) {
    this.auth = auth;
    this.drain = drain;
    this.answered = Counter.builder("http_server_repeated_gets").description(
        "GETs answered again from a kept answer without routing (a share of vertx_http_server_requests_total)")
        .register(registry);
  }

  /**
   * Called by a route whose operation answered {@code uri} with 200 to an authenticated caller: how to answer it
   * again. {@code answer} must apply the operation's own rules for the caller (who may see what).
   */
  void remember(String uri, String route, Function<Caller, Buffer> answer) {
    byUri.put(uri, new Entry(route, answer));
  }

  /** Answers the request when it is a repeat this process can answer as its router would; false: route it. */
  public boolean answer(HttpServerRequest request) {
    if (request.method() != HttpMethod.GET || drain.draining()) {
      return false;
    }
    Entry entry = byUri.getIfPresent(request.uri());
    if (entry == null || request.headers().contains(HttpHeaders.ORIGIN)
        || request.headers().contains(HttpHeaders.CONTENT_LENGTH)
        || request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      return false;
    }
    Caller caller = auth.admittedNow(Auth.bearerToken(request));
    Buffer body = caller == null ? null : entry.answer().apply(caller);
    if (body == null) {
      return false;
    }
    long began = System.nanoTime();
    drain.requestArrived(request);
    String id = RequestLog.idFor(request);
    request.routed(entry.route());
    request.response().putHeader(RequestLog.HEADER, id).putHeader("Content-Type", "application/json").end(body);
    RequestLog.answered(request, 200, began, entry.route(), id, Spans.traceId());
    answered.increment();
    return true;
  }
}
