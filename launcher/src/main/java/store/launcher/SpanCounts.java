package store.launcher;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.Locale;

/**
 * The tracer's own health as the store's metrics, whatever the trace backend: spans recorded by kind
 * ({@code tracing_spans_ended_total}) and what the exporter did with them ({@code tracing_spans_exported_total} by
 * outcome). The traces dashboard reads these, so it has data wherever the store traces (Jaeger in compose, Zipkin
 * in dev and in the tests), and a backend that refuses or cannot be reached shows up as failed exports; spans ended
 * but never exported were dropped by the SDK's full queue.
 */
final class SpanCounts implements SpanProcessor {
  private volatile Counter[] endedByKind; // by SpanKind ordinal; null until the registry exists
  private volatile Counter exported;
  private volatile Counter failed;

  /** From here on spans are counted (the SDK is built before Vert.x and its registry). */
  void bind(MeterRegistry registry) {
    Counter[] ended = new Counter[SpanKind.values().length];
    for (SpanKind kind : SpanKind.values()) {
      ended[kind.ordinal()] = Counter.builder("tracing.spans.ended")
          .description("Spans recorded (sampled) by this process, by kind")
          .tag("kind", kind.name().toLowerCase(Locale.ROOT)).register(registry);
    }
    exported = exportCounter(registry, "success");
    failed = exportCounter(registry, "failure");
    endedByKind = ended;
  }

  private static Counter exportCounter(MeterRegistry registry, String outcome) {
    return Counter.builder("tracing.spans.exported")
        .description("Spans handed to the trace backend, by outcome")
        .tag("outcome", outcome).register(registry);
  }

  /** The exporter the SDK configured from OTEL_TRACES_EXPORTER, counting each batch's outcome. */
  SpanExporter counting(SpanExporter exporter) {
    return new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> spans) {
        CompletableResultCode result = exporter.export(spans);
        int size = spans.size();
        result.whenComplete(() -> {
          Counter outcome = result.isSuccess() ? exported : failed;
          if (outcome != null) {
            outcome.increment(size);
          }
        });
        return result;
      }

      @Override
      public CompletableResultCode flush() {
        return exporter.flush();
      }

      @Override
      public CompletableResultCode shutdown() {
        return exporter.shutdown();
      }

      @Override
      public String toString() {
        return "Counting" + exporter;
      }
    };
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
  }

  @Override
  public boolean isStartRequired() {
    return false;
  }

  @Override
  public void onEnd(ReadableSpan span) {
    Counter[] ended = endedByKind;
    if (ended != null) {
      ended[span.getKind().ordinal()].increment();
    }
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }
}
