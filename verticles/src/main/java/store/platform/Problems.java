package store.platform;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns every failure into an RFC 9457 problem answer; the only place that writes error bodies. */
public final class Problems {
  public static final String CONTENT_TYPE = "application/problem+json";
  private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
  private static final Pattern PARAMETER = Pattern.compile("parameter (\\S+?)[:.,]?(\\s|$)");

  private Problems() {
  }

  public static void write(RoutingContext rc, ProblemException problem) {
    HttpServerResponse response = rc.response();
    if (response.headWritten()) {
      return;
    }
    JsonObject body = problem.toJson().put("instance", rc.request().path());
    if (problem.retryAfterSeconds() > 0) {
      response.putHeader("Retry-After", Integer.toString(problem.retryAfterSeconds()));
    }
    response.setStatusCode(problem.status()).putHeader("Content-Type", CONTENT_TYPE).end(body.encode());
  }

  /** Failure handler for every router. */
  public static void handleFailure(RoutingContext rc) {
    write(rc, toProblem(rc.failure(), rc.statusCode()));
  }

  /**
   * Refuses a path that is not valid percent-encoding ({@code /api/products/%E0%A4%A}) with a 400 problem before any
   * route looks at it: Vert.x Web decodes the path to match a route, and a failure there reached no failure handler
   * (a bare "Bad Request", and a stack trace in the log for every such request).
   */
  public static void refuseMalformedPath(RoutingContext rc) {
    try {
      rc.normalizedPath();
    } catch (IllegalArgumentException e) {
      write(rc, ProblemException.badRequest("The request path is not valid percent-encoding"));
      return;
    }
    rc.next();
  }

  /**
   * The answer to a request the server's HTTP decoder refused (a request line or headers past their limits, or no
   * valid HTTP at all): a problem, with the status Vert.x gives it by default, instead of an empty body.
   */
  public static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    ProblemException problem = cause instanceof TooLongHttpLineException
        ? new ProblemException(414, "uri-too-long", "URI Too Long", "The request line is too long")
        : cause instanceof TooLongHttpHeaderException
            ? new ProblemException(431, "headers-too-large", "Request Header Fields Too Large",
                "The request's headers are too large")
            : ProblemException.badRequest("The request is not valid HTTP");
    request.response().setStatusCode(problem.status()).putHeader("Content-Type", CONTENT_TYPE)
        .putHeader("Connection", "close").end(problem.toJson().encode());
  }

  /** Handler for routes nobody matched. */
  public static void notFound(RoutingContext rc) {
    write(rc, ProblemException.notFound("No route for " + rc.request().method() + " " + rc.request().path()));
  }

  public static ProblemException toProblem(Throwable failure, int statusCode) {
    if (failure instanceof HttpException http && http.getCause() != null) {
      failure = http.getCause(); // e.g. a validation error wrapped by a web handler
    }
    if (failure instanceof ProblemException problem) {
      return problem;
    }
    if (failure instanceof ValidatorException invalid) {
      return validation(invalid);
    }
    if (failure instanceof DecodeException || failure instanceof IllegalArgumentException
        && failure.getMessage() != null && failure.getMessage().contains("JSON")) {
      return new ProblemException(400, "malformed-body", "Malformed request body",
          "The body is not valid JSON: " + failure.getMessage());
    }
    if (failure instanceof HttpException http) {
      return byStatus(http.getStatusCode(), http.getPayload());
    }
    if (failure instanceof com.datastax.oss.driver.api.core.DriverException cassandra) {
      ProblemException problem = storageProblem(cassandra);
      if (problem != null) {
        return problem;
      }
    }
    if (failure == null && statusCode >= 400) {
      return byStatus(statusCode, null);
    }
    if (statusCode >= 400 && statusCode < 500) {
      return byStatus(statusCode, null); // a web handler's refusal, e.g. CORS (403)
    }
    if (failure instanceof java.io.IOException && String.valueOf(failure.getMessage()).contains("Size exceed")) {
      return byStatus(413, null); // a form field beyond the server's limit
    }
    LOG.error("Unhandled failure", failure);
    return new ProblemException(500, "internal-error", "Internal Server Error",
        "An unexpected error occurred; it has been logged.");
  }

  /**
   * Cassandra not answering (frozen, down, overloaded, too few replicas, timed out) is the store being unavailable for
   * a moment, not a bug: a 503 problem with {@code Retry-After}, or a 504 when a write timed out and may or may not
   * have happened (the client should ask before retrying a non-idempotent request). Null for anything else.
   */
  static ProblemException storageProblem(com.datastax.oss.driver.api.core.DriverException failure) {
    Throwable cause = failure.getCause();
    LOG.warn("Cassandra: {}{}", failure, cause == null || cause == failure ? "" : " (caused by " + cause + ")");
    if (failure instanceof com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException
        || failure instanceof com.datastax.oss.driver.api.core.servererrors.CASWriteUnknownException) {
      return new ProblemException(504, "storage-timeout", "Gateway Timeout",
          "The database did not confirm the write in time; it may or may not have been applied");
    }
    if (failure instanceof com.datastax.oss.driver.api.core.DriverTimeoutException
        || failure instanceof com.datastax.oss.driver.api.core.AllNodesFailedException
        || failure instanceof com.datastax.oss.driver.api.core.NodeUnavailableException
        || failure instanceof com.datastax.oss.driver.api.core.RequestThrottlingException
        || failure instanceof com.datastax.oss.driver.api.core.servererrors.ReadTimeoutException
        || failure instanceof com.datastax.oss.driver.api.core.servererrors.UnavailableException
        || failure instanceof com.datastax.oss.driver.api.core.servererrors.OverloadedException
        || failure instanceof com.datastax.oss.driver.api.core.servererrors.BootstrappingException
        || failure instanceof com.datastax.oss.driver.api.core.connection.BusyConnectionException
        || failure instanceof com.datastax.oss.driver.api.core.connection.ClosedConnectionException
        || failure instanceof com.datastax.oss.driver.api.core.connection.HeartbeatException) {
      return ProblemException.unavailable("The database is not answering right now; try again shortly");
    }
    return null;
  }

  private static ProblemException byStatus(int status, String payload) {
    return switch (status) {
      case 400 -> ProblemException.badRequest(payload != null ? payload : "Bad request");
      case 401 -> ProblemException.unauthorized(payload != null ? payload : "Authentication required");
      case 403 -> ProblemException.forbidden(payload != null ? payload : "Not allowed");
      case 404 -> ProblemException.notFound(payload != null ? payload : "Not found");
      case 405 -> new ProblemException(405, "method-not-allowed", "Method Not Allowed", "Method not allowed here");
      case 413 -> new ProblemException(413, "payload-too-large", "Payload Too Large",
          "The request body exceeds the size limit");
      case 415 -> new ProblemException(415, "unsupported-media-type", "Unsupported Media Type",
          payload != null ? payload : "Send application/json");
      default -> new ProblemException(status, "http-" + status, "HTTP " + status,
          payload != null ? payload : "Request failed");
    };
  }

  private static ProblemException validation(ValidatorException e) {
    Set<String> fields = new LinkedHashSet<>();
    JsonArray errors = new JsonArray();
    Matcher parameter = PARAMETER.matcher(e.getMessage() == null ? "" : e.getMessage());
    if (parameter.find()) {
      fields.add(parameter.group(1));
      errors.add(new JsonObject().put("field", parameter.group(1)).put("message", e.getMessage()));
    } else if (e instanceof SchemaValidationException schema && schema.getOutputUnit() != null) {
      collect(schema.getOutputUnit(), fields, errors);
    }
    if (fields.isEmpty()) {
      fields.add("body");
      errors.add(new JsonObject().put("field", "body").put("message", e.getMessage()));
    }
    int status = e.getMessage() != null && e.getMessage().contains("content type") ? 415 : 400;
    String slug = status == 415 ? "unsupported-media-type" : "validation-error";
    return new ProblemException(status, slug, status == 415 ? "Unsupported Media Type" : "Validation failed",
        "Invalid " + String.join(", ", fields) + ": " + e.getMessage(), errors);
  }

  private static void collect(OutputUnit unit, Set<String> fields, JsonArray errors) {
    if (unit.getErrors() != null && !unit.getErrors().isEmpty()) {
      unit.getErrors().forEach(child -> collect(child, fields, errors));
      return;
    }
    String location = unit.getInstanceLocation();
    if (unit.getError() == null) {
      return;
    }
    String field = fieldName(location, unit.getError());
    if (fields.add(field)) {
      errors.add(new JsonObject().put("field", field).put("message", unit.getError()));
    }
  }

  /** "#/price" → "price"; a missing required property is reported at the parent, so take its name from the text. */
  private static String fieldName(String location, String error) {
    Matcher missing = Pattern.compile("required propert(?:y|ies) \\[?\"?([A-Za-z_]+)").matcher(error);
    if (error.contains("required") && missing.find()) {
      return missing.group(1);
    }
    String path = location == null ? "" : location.replaceFirst("^#?/?", "").replace('/', '.');
    return path.isEmpty() ? "body" : path;
  }
}
