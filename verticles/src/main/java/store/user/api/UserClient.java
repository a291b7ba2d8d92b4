package store.user.api;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.UUID;
import store.platform.Caller;
import store.platform.transport.ServiceChannel;

/** What other services (the order service) may tell the user service. */
public final class UserClient {
  private final ServiceChannel channel;

  public UserClient(ServiceChannel channel) {
    this.channel = channel;
  }

  public Future<Void> notifyStatus(Caller caller, String username, UUID orderId, String status, Instant at) {
    return channel.call(UserOperations.NOTIFY,
        new UserOperations.Notification(username, orderId, status, at), caller).mapEmpty();
  }
}
