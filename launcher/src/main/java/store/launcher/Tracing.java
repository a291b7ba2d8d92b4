package store.launcher;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.Map;

/**
 * Traces, configured by OpenTelemetry's standard variables ({@code OTEL_TRACES_EXPORTER=otlp|zipkin},
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT}, {@code OTEL_EXPORTER_ZIPKIN_ENDPOINT}, {@code OTEL_TRACES_SAMPLER[_ARG]},
 * {@code OTEL_SERVICE_NAME}, …). With no exporter named there is no SDK and no Vert.x tracer at all, so a store
 * that is not traced pays nothing for it (the SDK's own default would export OTLP to localhost).
 */
final class Tracing {
  private Tracing() {
  }

  /**
   * The SDK, registered as the process's global OpenTelemetry, or null when tracing is off. Its spans and exports
   * are counted by {@code counts}.
   */
  static OpenTelemetrySdk fromEnvironment(String defaultServiceName, SpanCounts counts) {
    String exporter = exporter();
    if (exporter == null || exporter.isBlank() || exporter.trim().equals("none")
        || "true".equalsIgnoreCase(setting("OTEL_SDK_DISABLED"))) {
      return null;
    }
    return AutoConfiguredOpenTelemetrySdk.builder()
        // defaults only: OTEL_* variables and otel.* system properties win
        // the OTLP exporter reuses its encoding buffers instead of allocating per batch: every request traced, the
        // store spent ~4 µs less CPU per span (docs/performance.md); it exports one batch at a time, as the batch
        // processor calls it
        .addPropertiesSupplier(() -> Map.of("otel.service.name", defaultServiceName,
            "otel.metrics.exporter", "none", "otel.logs.exporter", "none",
            "otel.java.exporter.memory_mode", "reusable_data"))
        .addTracerProviderCustomizer((provider, config) -> provider.addSpanProcessor(counts))
        .addSpanExporterCustomizer((configured, config) -> counts.counting(configured))
        .setResultAsGlobal()
        .build()
        .getOpenTelemetrySdk();
  }

  /** OTEL_TRACES_EXPORTER (or otel.traces.exporter), or null. */
  static String exporter() {
    return setting("OTEL_TRACES_EXPORTER");
  }

  /** An OTEL_* variable, or its otel.* system property. */
  private static String setting(String variable) {
    String property = System.getProperty(variable.toLowerCase().replace('_', '.'));
    return property != null ? property : System.getenv(variable);
  }
}
