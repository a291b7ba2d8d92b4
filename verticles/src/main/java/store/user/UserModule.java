package store.user;

import static store.platform.Responses.json;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import store.cart.api.CartClient;
import store.order.api.OrderClient;
import store.platform.AttemptLimiter;
import store.platform.Auth;
import store.platform.ClientAddress;
import store.platform.ContractRouter;
import store.platform.Platform;
import store.platform.Schema;
import store.platform.ProblemException;
import store.platform.ServiceModule;
import store.platform.StoreConfig;
import store.platform.transport.InternalOperations;
import store.user.api.UserOperations;

/** The user service: routes from {@code conf/openapi/user.yaml}, and the notification the order service sends. */
public final class UserModule implements ServiceModule {
  private Platform platform;
  private UserService service;
  private ClientAddress clientAddress;

  @Override
  public String name() {
    return "user";
  }

  @Override
  public String prefix() {
    return "/user-api";
  }

  @Override
  public Schema schema() {
    return UserRepository.SCHEMA;
  }

  @Override
  public Future<Void> start(Platform platform) {
    this.platform = platform;
    JsonObject config = platform.config();
    clientAddress = new ClientAddress(StoreConfig.array(config, "security.trusted-proxies").stream()
        .map(Object::toString).toList());
    Duration window = Duration.ofSeconds(StoreConfig.integer(config, "security.login-limits.window-seconds", 60));
    AttemptLimiter logins = new AttemptLimiter("login",
        StoreConfig.integer(config, "security.login-limits.failures-per-address", 20), window);
    AttemptLimiter registrations = new AttemptLimiter("registration",
        StoreConfig.integer(config, "security.login-limits.failures-per-address", 20), window);
    service = new UserService(new UserRepository(platform.cql()),
        new Passwords(platform.vertx(), StoreConfig.integer(config, "security.bcrypt-cost", 10),
            StoreConfig.integer(config, "security.hashing.threads", 2),
            StoreConfig.integer(config, "security.hashing.max-queued", 256)),
        platform.auth(), new CartClient(platform.channel("cart")), new OrderClient(platform.channel("order")),
        StoreConfig.bool(config, "security.admin-prefix-rule", false), logins, registrations,
        platform.registry());
    String adminName = StoreConfig.string(config, "user.bootstrap-admin.username", "");
    String adminPassword = StoreConfig.string(config, "user.bootstrap-admin.password", "");
    return (adminName.isEmpty() ? Future.succeededFuture()
            : service.ensureBootstrapAdmin(adminName, adminPassword))
        .compose(v -> StoreConfig.bool(config, "user.demo-users-enabled", false)
            ? service.ensureDemoUsers(StoreConfig.array(config, "user.demo-users")) : Future.succeededFuture());
  }

  @Override
  public Future<Router> router(String prefix) {
    return new ContractRouter("user", platform.auth())
        .bind("register", rc -> service.register(rc.body().asJsonObject(), client(rc)).onComplete(json(rc, 200)))
        .bind("token", this::token)
        .bind("getMe", rc -> service.me(Auth.caller(rc)).onComplete(json(rc, 200)))
        .bind("updateMe", rc -> service.update(Auth.caller(rc), rc.body().asJsonObject(), client(rc))
            .onComplete(json(rc, 200)))
        .bind("getProfile", rc -> service.profile(Auth.caller(rc)).onComplete(json(rc, 200)))
        .bind("getMyOrders", rc -> service.orders(Auth.caller(rc)).onComplete(json(rc, 200)))
        .bind("placeOrder", rc -> service.placeOrder(Auth.caller(rc),
            rc.request().getHeader("Idempotency-Key")).onComplete(json(rc, 200)))
        .bind("getMyCart", rc -> service.cart(Auth.caller(rc)).onComplete(json(rc, 200)))
        .bind("getTotalSpent", rc -> service.totalSpentJson(Auth.caller(rc)).onComplete(json(rc, 200)))
        .bind("getNotifications", rc -> service.notifications(Auth.caller(rc).username()).onComplete(json(rc, 200)))
        .build(platform, prefix, prefix());
  }

  private String client(RoutingContext rc) {
    return clientAddress.of(rc.request());
  }

  /**
   * {@code POST /token}: form-encoded as OAuth2 clients send it, or JSON. vertx-openapi cannot validate a
   * form-encoded body, so the fields are checked here (UserService#token), by the same rules for both encodings.
   */
  private void token(RoutingContext rc) {
    String contentType = String.valueOf(rc.request().getHeader("Content-Type"));
    String username;
    String password;
    try {
      if (contentType.startsWith("application/json")) {
        JsonObject body = rc.body().asJsonObject();
        username = body == null ? null : text(body.getValue("username"), "username");
        password = body == null ? null : text(body.getValue("password"), "password");
      } else {
        MultiMap form = MultiMap.caseInsensitiveMultiMap();
        String raw = rc.body().asString();
        new io.netty.handler.codec.http.QueryStringDecoder(raw == null ? "" : raw, false).parameters()
            .forEach(form::add);
        if (form.getAll("username").size() > 1 || form.getAll("password").size() > 1) {
          throw ProblemException.invalidField(form.getAll("username").size() > 1 ? "username" : "password",
              "must be given once");
        }
        username = form.get("username");
        password = form.get("password");
      }
    } catch (ProblemException e) {
      rc.fail(e);
      return;
    } catch (RuntimeException e) {
      rc.fail(new ProblemException(400, "malformed-body", "Malformed request body", "The body is not valid JSON"));
      return;
    }
    service.token(username, password, client(rc)).onComplete(json(rc, 200));
  }

  private static String text(Object value, String field) {
    if (value != null && !(value instanceof String)) {
      throw ProblemException.invalidField(field, "must be a string");
    }
    return (String) value;
  }

  @Override
  public InternalOperations internal() {
    return new InternalOperations().on(UserOperations.NOTIFY, (notification, caller) -> service.notify(notification));
  }
}
