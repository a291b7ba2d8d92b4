package store.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.spi.tracing.SpanKind;
import io.vertx.core.spi.tracing.TagExtractor;
import io.vertx.core.spi.tracing.VertxTracer;
import io.vertx.core.tracing.TracingOptions;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.tracing.opentelemetry.Operation;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Tags are read from a request and its response only for a span the sampler kept, and then they are all there. */
class SampleFirstTracingTest {
  private final Vertx vertx = Vertx.vertx();
  private final List<SpanData> exported = new CopyOnWriteArrayList<>();
  private final AtomicInteger tagReads = new AtomicInteger();

  /** Tags of a request or response given as a map, counting how often Vert.x's tracer reads them. */
  private final TagExtractor<Map<String, String>> tags = new TagExtractor<>() {
    @Override
    public int len(Map<String, String> obj) {
      tagReads.incrementAndGet();
      return obj.size();
    }

    @Override
    public String name(Map<String, String> obj, int index) {
      return List.copyOf(obj.keySet()).get(index);
    }

    @Override
    public String value(Map<String, String> obj, int index) {
      return obj.get(name(obj, index));
    }
  };

  @AfterEach
  void close() {
    vertx.close();
  }

  private VertxTracer<Operation, Operation> tracer(Sampler sampler) {
    SpanExporter collecting = new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> spans) {
        exported.addAll(spans);
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }
    };
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().setSampler(sampler)
            .addSpanProcessor(SimpleSpanProcessor.create(collecting)).build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
    return new SampleFirstTracing(sdk).tracer(new TracingOptions());
  }

  private void serveOneRequest(VertxTracer<Operation, Operation> tracer) {
    ContextInternal context = ((ContextInternal) vertx.getOrCreateContext()).duplicate();
    Operation server = tracer.receiveRequest(context, SpanKind.RPC, TracingPolicy.ALWAYS,
        Map.of("http.request.method", "GET", "url.path", "/api/products/"), "GET", List.of(), tags);
    Operation client = tracer.sendRequest(context, SpanKind.RPC, TracingPolicy.ALWAYS,
        Map.of("db.query.text", "SELECT 1"), "SELECT", (name, value) -> { }, tags);
    tracer.receiveResponse(context, Map.of("db.response.returned_rows", "1"), client, null, tags);
    tracer.sendResponse(context, Map.of("http.response.status_code", "200"), server, null, tags);
  }

  @Test
  void aSampledRequestsSpansCarryTheTagsOfRequestAndResponse() {
    serveOneRequest(tracer(Sampler.alwaysOn()));

    assertThat(exported).hasSize(2);
    SpanData server = exported.stream().filter(s -> s.getName().equals("GET")).findFirst().orElseThrow();
    assertThat(server.getAttributes().get(AttributeKey.stringKey("url.path"))).isEqualTo("/api/products/");
    assertThat(server.getAttributes().get(AttributeKey.stringKey("http.response.status_code"))).isEqualTo("200");
    SpanData client = exported.stream().filter(s -> s.getName().equals("SELECT")).findFirst().orElseThrow();
    assertThat(client.getAttributes().get(AttributeKey.stringKey("db.query.text"))).isEqualTo("SELECT 1");
    assertThat(client.getAttributes().get(AttributeKey.stringKey("db.response.returned_rows"))).isEqualTo("1");
    assertThat(client.getParentSpanId()).isEqualTo(server.getSpanId());
  }

  @Test
  void anUnsampledRequestsTagsAreNeverRead() {
    serveOneRequest(tracer(Sampler.alwaysOff()));

    assertThat(exported).isEmpty();
    assertThat(tagReads).as("tag extractions for spans nobody keeps").hasValue(0);
  }
}
