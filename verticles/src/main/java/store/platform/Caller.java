package store.platform;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * Who is asking: taken from a verified JWT at the edge, or from a verified internal credential between services.
 * Never built from a client-supplied header. It also carries the request id of the request being served, so every
 * service the request reaches logs the same id, and, when a service is serving another one's call, when that caller
 * stops waiting ({@code deadlineMillis}, epoch milliseconds; 0: no deadline), so the calls made for it do not
 * outlive it, and which operations the operation being served declares it calls ({@code declaredCalls}; null when
 * it is not serving another service's call): how long its callers wait was reckoned from them.
 */
public record Caller(String username, boolean admin, String requestId, long deadlineMillis,
    Set<String> declaredCalls) {

  public Caller(String username, boolean admin, String requestId) {
    this(username, admin, requestId, 0, null);
  }

  public Caller(String username, boolean admin) {
    this(username, admin, null);
  }

  /** The identity a service uses for its own background work (e.g. the order lifecycle notifying users). */
  public static Caller system(String service) {
    return new Caller("system:" + service, true);
  }

  public Caller withRequestId(String id) {
    return new Caller(username, admin, id, deadlineMillis, declaredCalls);
  }

  public Caller withDeadline(long epochMillis) {
    return new Caller(username, admin, requestId, epochMillis, declaredCalls);
  }

  /** The caller while an operation that declares these calls (operation names) is being served for it. */
  public Caller serving(Set<String> calls) {
    return new Caller(username, admin, requestId, deadlineMillis, calls);
  }

  /** Whether a call of {@code operation} made for this caller is one the operation being served declares. */
  public boolean mayCall(String operation) {
    return declaredCalls == null || declaredCalls.contains(operation);
  }

  /** How long a call made for this caller may take: {@code wantedMs}, or what is left until its deadline. */
  public long budgetMs(long wantedMs) {
    return deadlineMillis == 0 ? wantedMs : Math.min(wantedMs, deadlineMillis - System.currentTimeMillis());
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
