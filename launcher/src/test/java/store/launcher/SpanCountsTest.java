package store.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import org.junit.jupiter.api.Test;

/** The tracer's own metrics, which the tracing dashboard reads: spans by kind, exports by outcome. */
class SpanCountsTest {

  /** A backend that accepts every other batch. */
  private static final class FlakyBackend implements SpanExporter {
    private int batches;

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      return batches++ % 2 == 0 ? CompletableResultCode.ofSuccess() : CompletableResultCode.ofFailure();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  @Test
  void countsRecordedSpansByKindAndEachExportByItsOutcome() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    SpanCounts counts = new SpanCounts();
    counts.bind(registry);
    try (SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(counts)
        .addSpanProcessor(SimpleSpanProcessor.create(counts.counting(new FlakyBackend()))).build()) {
      Tracer tracer = provider.get("test");
      tracer.spanBuilder("GET /api/products").setSpanKind(SpanKind.SERVER).startSpan().end();
      tracer.spanBuilder("SELECT").setSpanKind(SpanKind.CLIENT).startSpan().end();
      tracer.spanBuilder("SELECT").setSpanKind(SpanKind.CLIENT).startSpan().end();
    }

    assertThat(registry.get("tracing.spans.ended").tag("kind", "server").counter().count()).isEqualTo(1);
    assertThat(registry.get("tracing.spans.ended").tag("kind", "client").counter().count()).isEqualTo(2);
    assertThat(registry.get("tracing.spans.exported").tag("outcome", "success").counter().count()).isEqualTo(2);
    assertThat(registry.get("tracing.spans.exported").tag("outcome", "failure").counter().count()).isEqualTo(1);
  }

  @Test
  void spansBeforeTheRegistryExistsAreNotCountedAndBreakNothing() {
    SpanCounts counts = new SpanCounts();
    try (SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(counts)
        .addSpanProcessor(SimpleSpanProcessor.create(counts.counting(new FlakyBackend()))).build()) {
      provider.get("test").spanBuilder("early").startSpan().end();
    }
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    counts.bind(registry);
    assertThat(registry.get("tracing.spans.ended").tag("kind", "internal").counter().count()).isZero();
  }
}
