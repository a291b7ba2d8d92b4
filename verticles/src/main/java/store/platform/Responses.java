package store.platform;

import io.vertx.core.AsyncResult;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/** Small helpers every service's routes use to answer. */
public final class Responses {
  /** The response header with the {@code cursor} of a paged list's next page, when there is one. */
  public static final String NEXT_PAGE = "X-Next-Cursor";

  private Responses() {
  }

  /** A page of a list: its items, answered as JSON, with the next page's cursor (null on the last page). */
  public static JsonArray page(RoutingContext rc, JsonArray items, String next) {
    if (next != null) {
      rc.response().putHeader(NEXT_PAGE, next);
    }
    return items;
  }

  /** Completes the request with the result as JSON, or fails it (→ a problem answer). */
  public static <T> Handler<AsyncResult<T>> json(RoutingContext rc, int status) {
    return ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
        return;
      }
      Object body = ar.result();
      // a Buffer is JSON encoded once and kept (the catalog's pages): sent as it is
      Buffer encoded = body instanceof Buffer b ? b : Buffer.buffer(body instanceof JsonArray a ? a.encode()
          : body instanceof JsonObject o ? o.encode() : "{}");
      rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(encoded);
    };
  }

  /**
   * An encoded answer kept to be sent many times (a cached page), moved into direct memory once: netty copies a heap
   * buffer into a new direct one on every write to a socket, a direct one it writes as it is. The JDK's direct
   * buffer is freed by the collector with the last reference to it, like the heap buffer it replaces.
   */
  public static Buffer kept(Buffer encoded) {
    java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(encoded.length());
    direct.put(encoded.getBytes()).flip();
    return io.vertx.core.internal.buffer.BufferInternal.buffer(io.netty.buffer.Unpooled.wrappedBuffer(direct));
  }

  /** A decimal field of a JSON document, whichever number type the transport gave it (null stays null). */
  public static java.math.BigDecimal decimal(JsonObject json, String field) {
    Object value = json.getValue(field);
    return value == null ? null : new java.math.BigDecimal(value.toString());
  }

  /** Parses an id, or a 400 problem naming the field. */
  public static UUID uuid(String value, String field) {
    try {
      return UUID.fromString(value);
    } catch (RuntimeException e) {
      throw ProblemException.invalidField(field, "must be a UUID");
    }
  }
}
