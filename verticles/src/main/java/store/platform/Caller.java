package store.platform;

import io.vertx.core.json.JsonObject;

/**
 * Who is asking: taken from a verified JWT at the edge, or from a verified internal credential between services.
 * Never built from a client-supplied header. It also carries the request id of the request being served, so every
 * service the request reaches logs the same id.
 */
public record Caller(String username, boolean admin, String requestId) {

  public Caller(String username, boolean admin) {
    this(username, admin, null);
  }

  /** The identity a service uses for its own background work (e.g. the order lifecycle notifying users). */
  public static Caller system(String service) {
    return new Caller("system:" + service, true);
  }

  public Caller withRequestId(String id) {
    return new Caller(username, admin, id);
  }

  public boolean isSystem() {
    return username.startsWith("system:");
  }

  public JsonObject toJson() {
    return new JsonObject().put("sub", username).put("is_admin", admin);
  }

  public static Caller fromJson(JsonObject json) {
    return new Caller(json.getString("sub"), json.getBoolean("is_admin", false));
  }
}
