package store.launcher;

import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.VertxTracerFactory;
import io.vertx.core.spi.tracing.SpanKind;
import io.vertx.core.spi.tracing.TagExtractor;
import io.vertx.core.spi.tracing.VertxTracer;
import io.vertx.core.tracing.TracingOptions;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.tracing.opentelemetry.Operation;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Vert.x's OpenTelemetry tracer, with a span's tags read only once the sampler has kept it. Vert.x builds and sorts
 * every request's attributes before it starts the span, so that a sampler could look at them; the standard samplers
 * ({@code OTEL_TRACES_SAMPLER}: always_on/off, traceidratio, their parent-based forms) never do, and with 10 % of
 * requests sampled that work was most of what tracing cost the other 90 % (docs/performance.md). The tags are the
 * same, set on the started span; a sampler that decides by attributes would see none.
 */
final class SampleFirstTracing implements VertxTracerFactory {
  private final OpenTelemetryTracingFactory vertx;

  SampleFirstTracing(OpenTelemetry openTelemetry) {
    this.vertx = new OpenTelemetryTracingFactory(openTelemetry);
  }

  @Override
  @SuppressWarnings("unchecked")
  public VertxTracer<Operation, Operation> tracer(TracingOptions options) {
    return new Tracer((VertxTracer<Operation, Operation>) vertx.tracer(options));
  }

  @Override
  public TracingOptions newOptions() {
    return vertx.newOptions();
  }

  @Override
  public TracingOptions newOptions(JsonObject json) {
    return vertx.newOptions(json);
  }

  private record Tracer(VertxTracer<Operation, Operation> delegate) implements VertxTracer<Operation, Operation> {
    @Override
    public <R> Operation receiveRequest(Context context, SpanKind kind, TracingPolicy policy, R request,
        String operation, Iterable<Map.Entry<String, String>> headers, TagExtractor<R> tags) {
      return tagged(delegate.receiveRequest(context, kind, policy, request, operation, headers,
          TagExtractor.empty()), request, tags);
    }

    @Override
    public <R> void sendResponse(Context context, R response, Operation operation, Throwable failure,
        TagExtractor<R> tags) {
      delegate.sendResponse(context, response, operation, failure, recording(operation) ? tags : TagExtractor.empty());
    }

    @Override
    public <R> Operation sendRequest(Context context, SpanKind kind, TracingPolicy policy, R request,
        String operation, BiConsumer<String, String> headers, TagExtractor<R> tags) {
      return tagged(delegate.sendRequest(context, kind, policy, request, operation, headers, TagExtractor.empty()),
          request, tags);
    }

    @Override
    public <R> void receiveResponse(Context context, R response, Operation operation, Throwable failure,
        TagExtractor<R> tags) {
      delegate.receiveResponse(context, response, operation, failure,
          recording(operation) ? tags : TagExtractor.empty());
    }

    @Override
    public void close() {
      delegate.close();
    }

    private static <R> Operation tagged(Operation started, R request, TagExtractor<R> tags) {
      if (recording(started)) {
        tags.extractTo(request, started.span()::setAttribute);
      }
      return started;
    }

    private static boolean recording(Operation operation) {
      return operation != null && operation.span().isRecording();
    }
  }
}
