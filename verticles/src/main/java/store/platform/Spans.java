package store.platform;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.vertx.core.Future;
import java.util.function.Supplier;

/**
 * Business steps as spans (checkout, reserve, status change) inside the trace Vert.x keeps for HTTP, event-bus and
 * Cassandra calls. Without tracing configured the global OpenTelemetry is the no-op one: a span costs a few calls.
 */
public final class Spans {
  private Spans() {
  }

  /** Runs {@code step} inside a span named {@code name}; the span ends when the step's future completes. */
  public static <T> Future<T> around(String name, Supplier<Future<T>> step) {
    Span span = GlobalOpenTelemetry.getTracer("product-store").spanBuilder(name).startSpan();
    Future<T> result;
    try (Scope ignored = span.makeCurrent()) {
      result = step.get(); // calls started here are the span's children
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    return result.andThen(outcome -> {
      if (outcome.failed()) {
        span.setStatus(StatusCode.ERROR, String.valueOf(outcome.cause().getMessage()));
      }
      span.end();
    });
  }

  /** The current trace id, for log lines; "-" when the request is not traced. */
  public static String traceId() {
    SpanContext context = Span.current().getSpanContext();
    return context.isValid() ? context.getTraceId() : "-";
  }
}
