package store.user;

import static store.platform.Responses.json;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.HashSet;
import java.util.Set;
import store.cart.api.CartClient;
import store.order.api.OrderClient;
import store.platform.Auth;
import store.platform.ContractRouter;
import store.platform.Platform;
import store.platform.ProblemException;
import store.platform.ServiceModule;
import store.platform.StoreConfig;
import store.platform.transport.InternalOperations;

/** The user service: routes from {@code conf/openapi/user.yaml}, and the notification the order service sends. */
public final class UserModule implements ServiceModule {
  private Platform platform;
  private UserService service;

  @Override
  public String name() {
    return "user";
  }

  @Override
  public String prefix() {
    return "/user-api";
  }

  @Override
  public Future<Void> start(Platform platform) {
    this.platform = platform;
    JsonObject config = platform.config();
    Set<String> admins = new HashSet<>();
    StoreConfig.array(config, "security.admin-usernames").forEach(name -> admins.add(name.toString()));
    service = new UserService(new UserRepository(platform.cql()),
        new Passwords(platform.vertx(), StoreConfig.integer(config, "security.bcrypt-cost", 10)), platform.auth(),
        new CartClient(platform.channel("cart")), new OrderClient(platform.channel("order")), admins,
        StoreConfig.bool(config, "security.admin-prefix-rule", false), platform.registry());
    return service.start().compose(v -> StoreConfig.bool(config, "user.demo-users-enabled", false)
        ? service.ensureDemoUsers(StoreConfig.array(config, "user.demo-users")) : Future.succeededFuture());
  }

  @Override
  public Future<Router> router(String prefix) {
    Auth auth = platform.auth();
    return new ContractRouter("user")
        .bind("register", rc -> service.register(rc.body().asJsonObject()).onComplete(json(rc, 200)))
        .bind("token", this::token)
        .bind("getMe", auth::authenticate, rc -> service.me(Auth.caller(rc)).onComplete(json(rc, 200)))
        .bind("updateMe", auth::authenticate,
            rc -> service.update(Auth.caller(rc), rc.body().asJsonObject()).onComplete(json(rc, 200)))
        .bind("getProfile", auth::authenticate, rc -> service.profile(Auth.caller(rc)).onComplete(json(rc, 200)))
        .bind("getMyOrders", auth::authenticate, rc -> service.orders(Auth.caller(rc)).onComplete(json(rc, 200)))
        .bind("placeOrder", auth::authenticate, rc -> service.placeOrder(Auth.caller(rc),
            rc.request().getHeader("Idempotency-Key")).onComplete(json(rc, 200)))
        .bind("getMyCart", auth::authenticate, rc -> service.cart(Auth.caller(rc)).onComplete(json(rc, 200)))
        .bind("getTotalSpent", auth::authenticate,
            rc -> service.totalSpentJson(Auth.caller(rc)).onComplete(json(rc, 200)))
        .bind("getNotifications", auth::authenticate,
            rc -> service.notifications(Auth.caller(rc).username()).onComplete(json(rc, 200)))
        .build(platform.vertx(), prefix, prefix());
  }

  /** {@code POST /token}: form-encoded as OAuth2 clients send it, or JSON. */
  private void token(RoutingContext rc) {
    String contentType = String.valueOf(rc.request().getHeader("Content-Type"));
    String username;
    String password;
    if (contentType.startsWith("application/json")) {
      JsonObject body;
      try {
        body = rc.body().asJsonObject();
      } catch (RuntimeException e) {
        rc.fail(new ProblemException(400, "malformed-body", "Malformed request body", "The body is not valid JSON"));
        return;
      }
      username = body == null ? null : body.getString("username");
      password = body == null ? null : body.getString("password");
    } else {
      MultiMap form = MultiMap.caseInsensitiveMultiMap();
      io.netty.handler.codec.http.QueryStringDecoder decoder =
          new io.netty.handler.codec.http.QueryStringDecoder(rc.body().asString() == null ? "" : rc.body().asString(),
              false);
      decoder.parameters().forEach(form::add);
      username = form.get("username");
      password = form.get("password");
    }
    service.token(username, password).onComplete(json(rc, 200));
  }

  @Override
  public InternalOperations internal() {
    return new InternalOperations().on("notify", (payload, caller) -> service.notify(caller, payload));
  }
}
