package store.platform;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;
import store.platform.transport.ServiceChannel;

/**
 * What the launcher wires once per process and every service uses: configuration, the JWT authority, the
 * Cassandra session, the metrics registry, and a channel to each other service (event bus or HTTP, chosen by the
 * launcher).
 */
public record Platform(Vertx vertx, JsonObject config, Auth auth, Cql cql, MeterRegistry registry,
    Function<String, ServiceChannel> channels) {

  public ServiceChannel channel(String service) {
    return channels.apply(service);
  }
}
