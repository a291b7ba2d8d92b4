package store.user.api;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import store.platform.Caller;
import store.platform.transport.ServiceChannel;

/** What other services (the order service) may tell the user service. */
public final class UserClient {
  /** A notification is keyed by (user, time, order, status): delivering it twice stores it once. */
  public static final Set<String> IDEMPOTENT = Set.of("notify");

  private final ServiceChannel channel;

  public UserClient(ServiceChannel channel) {
    this.channel = channel;
  }

  public Future<Void> notifyStatus(Caller caller, String username, UUID orderId, String status, Instant at) {
    return channel.call("notify", new JsonObject().put("username", username).put("order_id", orderId.toString())
        .put("status", status).put("at", at.toString()), caller).mapEmpty();
  }
}
