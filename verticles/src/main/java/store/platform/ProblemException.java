package store.platform;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A failure that knows its RFC 9457 problem: thrown or failed by domain code, turned into an
 * {@code application/problem+json} answer at the edge, and carried unchanged across service boundaries.
 */
public class ProblemException extends RuntimeException {
  public static final String TYPE_BASE = "https://product-store.dev/problems/";

  private final int status;
  private final String slug;
  private final String title;
  private final JsonArray errors;
  /** Seconds for a {@code Retry-After} header (409 on a lease, 429, 503), or 0 for none. */
  private final int retryAfterSeconds;

  public ProblemException(int status, String slug, String title, String detail, JsonArray errors) {
    this(status, slug, title, detail, errors, 0);
  }

  private ProblemException(int status, String slug, String title, String detail, JsonArray errors,
      int retryAfterSeconds) {
    super(detail, null, false, false);
    this.status = status;
    this.slug = slug;
    this.title = title;
    this.errors = errors;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public ProblemException(int status, String slug, String title, String detail) {
    this(status, slug, title, detail, null);
  }

  public static ProblemException badRequest(String detail) {
    return new ProblemException(400, "bad-request", "Bad Request", detail);
  }

  public static ProblemException invalidField(String field, String message) {
    return new ProblemException(400, "validation-error", "Validation failed", field + ": " + message,
        new JsonArray().add(new JsonObject().put("field", field).put("message", message)));
  }

  public static ProblemException unauthorized(String detail) {
    return new ProblemException(401, "unauthorized", "Unauthorized", detail);
  }

  public static ProblemException forbidden(String detail) {
    return new ProblemException(403, "forbidden", "Forbidden", detail);
  }

  public static ProblemException notFound(String detail) {
    return new ProblemException(404, "not-found", "Not Found", detail);
  }

  public static ProblemException conflict(String detail) {
    return new ProblemException(409, "conflict", "Conflict", detail);
  }

  /** A conflict that ends by itself (another request's lease): {@code Retry-After} says when to ask again. */
  public static ProblemException conflict(String detail, int retryAfterSeconds) {
    return new ProblemException(409, "conflict", "Conflict", detail, null, Math.max(1, retryAfterSeconds));
  }

  public static ProblemException unavailable(String detail) {
    return new ProblemException(503, "service-unavailable", "Service Unavailable", detail, null, 1);
  }

  public static ProblemException tooManyRequests(String detail, int retryAfterSeconds) {
    return new ProblemException(429, "too-many-requests", "Too Many Requests", detail, null,
        Math.max(1, retryAfterSeconds));
  }

  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public int status() {
    return status;
  }

  public String title() {
    return title;
  }

  public String detail() {
    return getMessage();
  }

  /** The problem's type without {@link #TYPE_BASE}: what a caller branches on (never the detail's wording). */
  public String slug() {
    return slug;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("type", TYPE_BASE + slug)
        .put("title", title)
        .put("status", status)
        .put("detail", getMessage());
    if (errors != null && !errors.isEmpty()) {
      json.put("errors", errors);
    }
    if (retryAfterSeconds > 0) {
      json.put("retry_after", retryAfterSeconds);
    }
    return json;
  }

  /** Rebuilds a problem received from another service, keeping its status, type and detail. */
  public static ProblemException fromJson(JsonObject json, int fallbackStatus) {
    String type = json.getString("type", TYPE_BASE + "upstream-error");
    String slug = type.startsWith(TYPE_BASE) ? type.substring(TYPE_BASE.length()) : "upstream-error";
    int status = json.getInteger("status", fallbackStatus);
    return new ProblemException(status, slug, json.getString("title", "Error"), json.getString("detail", ""),
        json.getJsonArray("errors"), json.getInteger("retry_after", status == 503 ? 1 : 0));
  }
}
