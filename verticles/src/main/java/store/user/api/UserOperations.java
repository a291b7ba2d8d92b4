package store.user.api;

import static store.platform.Responses.uuid;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import store.platform.transport.Operation;
import store.platform.transport.Operation.Codec;
import store.platform.transport.Operation.Done;

/**
 * The user service's internal operations: declared here once, called by {@link UserClient}, served by the user
 * module. A notification is keyed by (user, time, order, status): delivering it twice stores it once.
 */
public final class UserOperations {
  private static final String USERNAME = "username";
  private static final String ORDER_ID = "order_id";
  private static final String STATUS = "status";
  private static final String AT = "at";

  private UserOperations() {
  }

  /** An order of {@code username} reached {@code status} at {@code at}. */
  public record Notification(String username, UUID orderId, String status, Instant at) {
  }

  /** Stores the notification (once per user, time, order and status). */
  public static final Operation<Notification, Done> NOTIFY = new Operation<>("notify", Set.of("order"), true,
      new Codec<>(n -> new JsonObject().put(USERNAME, n.username()).put(ORDER_ID, n.orderId().toString())
          .put(STATUS, n.status()).put(AT, n.at().toString()),
          json -> new Notification(json.getString(USERNAME), uuid(json.getString(ORDER_ID), ORDER_ID),
              json.getString(STATUS), Instant.parse(json.getString(AT)))),
      Operation.DONE);

  public static final List<Operation<?, ?>> ALL = List.of(NOTIFY);
}
