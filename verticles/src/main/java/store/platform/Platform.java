package store.platform;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.function.BiFunction;
import store.platform.transport.ServiceChannel;

/**
 * What the launcher wires once per process and every service uses: configuration, the token authorities, the
 * Cassandra session, the metrics registry, the JFR profiles, and a channel to each other service (event bus or HTTP,
 * chosen by the launcher), the process's {@link Drain}, its parsed {@link Contracts} and its {@link RepeatedGets}.
 * {@link #forService} gives each module its own view, so its calls say who is calling.
 */
public record Platform(Vertx vertx, JsonObject config, Auth auth, Cql cql, MeterRegistry registry,
    BiFunction<String, String, ServiceChannel> channels, Profiles profiles, Drain drain, Contracts contracts,
    RepeatedGets repeatedGets, String service) {

  public Platform forService(String name) {
    return new Platform(vertx, config, auth, cql, registry, channels, profiles, drain, contracts, repeatedGets,
        name);
  }

  /** A channel from this module's service to {@code target}. */
  public ServiceChannel channel(String target) {
    if (service == null) {
      throw new IllegalStateException("channel() needs a service view: use forService(name)");
    }
    return channels.apply(service, target);
  }

  /** Dev mode: the laptop profile (demo users, loopback by default); never in a container. */
  public boolean devMode() {
    return "dev".equals(StoreConfig.string(config, "profile", "prod"));
  }
}
