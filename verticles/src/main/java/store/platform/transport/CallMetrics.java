package store.platform.transport;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;

/** Inter-service call latency ({@code service_call_duration_seconds}) and circuit-breaker state. */
public final class CallMetrics {
  private final MeterRegistry registry;

  public CallMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  <T> Future<T> time(String target, String operation, String transport, Future<T> call) {
    long start = System.nanoTime();
    return call.andThen(ar -> Timer.builder("service_call_duration")
        .description("Latency of calls to other services")
        .tags("target", target, "operation", operation, "transport", transport,
            "outcome", ar.succeeded() ? "success" : "failure")
        .publishPercentileHistogram()
        .register(registry)
        .record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
  }

  /** 0 closed, 1 half-open, 2 open. */
  void watch(String target, CircuitBreaker breaker) {
    Gauge.builder("circuit_breaker_state", breaker, b -> switch (b.state()) {
          case CLOSED -> 0;
          case HALF_OPEN -> 1;
          case OPEN -> 2;
        })
        .description("Circuit breaker state towards a service: 0 closed, 1 half-open, 2 open")
        .tag("target", target)
        .register(registry);
  }
}
