package store.user;

import com.datastax.oss.driver.api.core.cql.Row;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import store.cart.api.CartClient;
import store.cart.api.CartOperations.Cart;
import store.order.api.OrderClient;
import store.order.api.OrderOperations.Order;
import store.order.api.OrderOperations.OrderList;
import store.platform.Accounts;
import store.platform.AttemptLimiter;
import store.platform.Auth;
import store.platform.Caller;
import store.platform.ProblemException;
import store.platform.transport.Operation.Done;
import store.user.api.UserOperations;

/** Accounts, tokens, the aggregated profile, and the notifications the order service sends. */
public final class UserService {
  private static final Logger LOG = LoggerFactory.getLogger(UserService.class);

  private final UserRepository repository;
  private final Passwords passwords;
  private final Auth auth;
  private final Accounts accounts;
  private final CartClient carts;
  private final OrderClient orders;
  private final boolean adminPrefixRule;
  private final AttemptLimiter logins;
  private final AttemptLimiter registrations;
  private final Counter registered;

  UserService(UserRepository repository, Passwords passwords, Auth auth, CartClient carts, OrderClient orders,
      boolean adminPrefixRule, AttemptLimiter logins, AttemptLimiter registrations, MeterRegistry registry) {
    this.repository = repository;
    this.passwords = passwords;
    this.auth = auth;
    this.accounts = auth.accounts();
    this.carts = carts;
    this.orders = orders;
    this.adminPrefixRule = adminPrefixRule;
    this.logins = logins;
    this.registrations = registrations;
    this.registered = Counter.builder("user_registrations").description("Users registered").register(registry);
  }

  // ---- accounts ----

  /**
   * Registration never makes an admin: roles are granted by an operator ({@code grant-admin}) or given to the
   * bootstrap admin. (The seed's "{@code admin_*} is admin" rule exists only as a dev-mode switch.) A taken name
   * counts as a failed attempt of the client's address and of the name, so names cannot be probed without limit.
   */
  public Future<JsonObject> register(JsonObject body, String clientAddress) {
    String username = body.getString("username");
    String[] keys = {"address:" + clientAddress, "user:" + username};
    registrations.check(keys);
    return create(body, adminPrefixRule && username.startsWith("admin_"))
        .recover(e -> e instanceof Accounts.RetiredName ? Future.succeededFuture(null) : Future.failedFuture(e))
        .compose(user -> {
          if (user != null) {
            return Future.succeededFuture(user);
          }
          // a deleted account's name answers as any taken name: whether an account was deleted is not for strangers
          registrations.failed(keys);
          return Future.failedFuture(new ProblemException(400, "username-taken", "Username taken",
              "Username already registered"));
        });
  }

  /**
   * Creates the account; answers null when the username is taken, and fails with {@link Accounts.RetiredName} when
   * it belonged to a deleted account (the row this call claimed is taken back first).
   */
  Future<JsonObject> create(JsonObject body, boolean admin) {
    JsonObject user = new JsonObject()
        .put("id", UUID.randomUUID().toString())
        .put("username", body.getString("username"))
        .put("full_name", body.getString("full_name"))
        .put("phone", body.getString("phone"))
        .put("email", body.getString("email"))
        .put("is_admin", admin)
        .put("total_spent", BigDecimal.ZERO)
        .put("created_at", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString()); // as stored
    return passwords.hash(body.getString("password"))
        .compose(hash -> repository.insert(user, hash))
        .compose(inserted -> {
          if (!inserted) {
            return Future.succeededFuture(null);
          }
          String username = user.getString("username");
          return accounts.created(username, admin)
              .recover(e -> !(e instanceof Accounts.RetiredName) ? Future.failedFuture(e)
                  : repository.takeBack(username, UUID.fromString(user.getString("id")))
                      .compose(v -> Future.failedFuture(e)))
              .map(state -> {
                registered.increment();
                return user;
              });
        });
  }

  /** Demo accounts from configuration (dev mode only), created when missing. */
  Future<Void> ensureDemoUsers(JsonArray demoUsers) {
    // side by side: each is a bcrypt hash on the hashing pool, and a first start waits for them
    return Future.all(demoUsers.stream().map(o -> (JsonObject) o).map(demo -> repository.find(demo.getString(
        "username")).compose(existing -> existing != null ? Future.succeededFuture()
            : create(demo, demo.getBoolean("admin", false)).onSuccess(u -> LOG.info("Demo user {} created",
                demo.getString("username"))).<Void>mapEmpty().recover(e -> {
                  if (!(e instanceof Accounts.RetiredName)) {
                    return Future.failedFuture(e);
                  }
                  LOG.warn("Demo user {} not created: an operator deleted it, and names are not reused",
                      demo.getString("username"));
                  return Future.succeededFuture();
                }))).toList()).mapEmpty();
  }

  /**
   * The bootstrap admin ({@code ADMIN_USERNAME}/{@code ADMIN_PASSWORD}), created at first start. An existing
   * account of that name is never promoted here: someone may have registered the name first. Then the start fails
   * and says how to grant the role deliberately.
   */
  Future<Void> ensureBootstrapAdmin(String username, String password) {
    return repository.find(username).compose(existing -> {
      if (existing == null) {
        JsonObject admin = new JsonObject().put("username", username).put("password", password)
            .put("full_name", "Administrator").put("phone", "+10000000000");
        return create(admin, true).compose(user -> user != null ? Future.<Void>succeededFuture()
                : ensureBootstrapAdmin(username, password))
            .recover(e -> Future.failedFuture(!(e instanceof Accounts.RetiredName) ? e
                : new IllegalStateException("ADMIN_USERNAME " + username + " belonged to a deleted account, and names "
                    + "of deleted accounts are not reused; choose another ADMIN_USERNAME")))
            .onSuccess(v -> LOG.info("Bootstrap admin {} ready", username));
      }
      if (Boolean.TRUE.equals(existing.getBoolean("is_admin"))) {
        return Future.succeededFuture();
      }
      return Future.failedFuture(new IllegalStateException("ADMIN_USERNAME " + username + " is an existing regular "
          + "account; if it is yours, grant it with: java -jar product-store.jar grant-admin " + username));
    });
  }

  /**
   * OAuth2 password grant; wrong username and wrong password look the same, and take as long. Failed attempts are
   * counted per client address and per user name; past the limit, a 429 answers before any hashing is done.
   */
  public Future<JsonObject> token(String username, String password, String clientAddress) {
    if (username == null || username.isBlank()) {
      return Future.failedFuture(ProblemException.invalidField("username", "is required"));
    }
    if (username.length() > 50) {
      return Future.failedFuture(ProblemException.invalidField("username", "must be at most 50 characters"));
    }
    if (password == null || password.isEmpty()) {
      return Future.failedFuture(ProblemException.invalidField("password", "is required"));
    }
    if (password.length() > 72) {
      return Future.failedFuture(ProblemException.invalidField("password", "must be at most 72 characters"));
    }
    String[] keys = {"address:" + clientAddress, "user:" + username};
    logins.check(keys);
    return repository.find(username).compose(row -> passwords.matches(password,
        row == null ? null : row.getString("password_hash")).compose(ok -> {
          if (!ok) {
            logins.failed(keys);
            return Future.failedFuture(ProblemException.unauthorized("Incorrect username or password"));
          }
          return accounts.ensure(username, Boolean.TRUE.equals(row.getBoolean("is_admin")))
              .recover(e -> Future.failedFuture(e instanceof Accounts.RetiredName
                  ? ProblemException.unauthorized("Incorrect username or password") : e))
              .map(account -> new JsonObject()
                  .put("access_token", auth.issueUserToken(username, account))
                  .put("token_type", "bearer")
                  .put("expires_in", auth.tokenSeconds()));
        }));
  }

  public Future<JsonObject> me(Caller caller) {
    return account(caller.username()).compose(user -> totalSpent(caller)
        .map(total -> user.put("total_spent", total))
        .recover(e -> Future.succeededFuture(user.put("total_spent", null))));
  }

  private Future<JsonObject> account(String username) {
    return repository.find(username).compose(row -> row == null
        ? Future.failedFuture(ProblemException.notFound("User " + username + " not found"))
        : Future.succeededFuture(toJson(row)));
  }

  /**
   * Changes the caller's details. A new password needs the current one (a stolen token must not be enough to take
   * the account), and revokes every token issued before it.
   */
  public Future<JsonObject> update(Caller caller, JsonObject changes, String clientAddress) {
    boolean newPassword = changes.containsKey("password");
    String[] keys = {"address:" + clientAddress, "user:" + caller.username()};
    if (newPassword) {
      if (changes.getString("current_password") == null) {
        return Future.failedFuture(ProblemException.invalidField("current_password",
            "is required to change the password"));
      }
      logins.check(keys);
    }
    return repository.find(caller.username()).compose(row -> {
      if (row == null) {
        return Future.failedFuture(ProblemException.notFound("User not found"));
      }
      Future<String> hash = !newPassword ? Future.succeededFuture(row.getString("password_hash"))
          : passwords.matches(changes.getString("current_password"), row.getString("password_hash"))
              .compose(ok -> {
                if (!ok) {
                  logins.failed(keys);
                  return Future.failedFuture(ProblemException.invalidField("current_password", "is not correct"));
                }
                return passwords.hash(changes.getString("password"));
              });
      return hash.compose(h -> repository.update(caller.username(),
              changes.getString("full_name", row.getString("full_name")),
              changes.getString("phone", row.getString("phone")),
              changes.containsKey("email") ? changes.getString("email") : row.getString("email"), h))
          .compose(v -> newPassword ? accounts.revokeTokens(caller.username(), null).mapEmpty()
              : Future.succeededFuture())
          .compose(v -> me(caller));
    });
  }

  private static JsonObject toJson(Row row) {
    return new JsonObject()
        .put("id", row.getUuid("id").toString())
        .put("username", row.getString("username"))
        .put("full_name", row.getString("full_name"))
        .put("phone", row.getString("phone"))
        .put("email", row.getString("email"))
        .put("is_admin", row.getBoolean("is_admin"))
        .put("total_spent", BigDecimal.ZERO)
        .put("created_at", String.valueOf(row.getInstant("created_at")));
  }

  // ---- what the user sees of other services ----

  /**
   * The user, their cart total and their orders, asked of cart and order in parallel. If one cannot answer, the
   * profile still comes, with that part null and named in {@code missing}.
   */
  public Future<JsonObject> profile(Caller caller) {
    Future<Cart> cart = carts.cart(caller);
    Future<OrderList> history = orders.listForUser(caller);
    return account(caller.username()).compose(user -> Future.join(cart, history).transform(ignored -> {
      JsonArray missing = new JsonArray();
      user.put("current_cart_total", cart.succeeded() ? cart.result().total() : null);
      if (cart.failed()) {
        missing.add("cart");
      }
      if (history.succeeded()) {
        JsonArray summary = new JsonArray();
        history.result().orders().forEach(order -> summary.add(new JsonObject().put("id", order.id().toString())
            .put("status", order.status()).put("total", order.total()).put("created_at", order.createdAt())));
        user.put("orders", summary).put("total_spent", spent(history.result()));
      } else {
        user.put("orders", null).put("total_spent", null);
        missing.add("orders");
      }
      if (!missing.isEmpty()) {
        user.put("missing", missing).put("partial", true);
      }
      return Future.succeededFuture(user);
    }));
  }

  public Future<JsonArray> orders(Caller caller) {
    return orders.listForUser(caller).map(OrderList::toJson);
  }

  public Future<JsonObject> placeOrder(Caller caller, String idempotencyKey) {
    return carts.checkout(caller, idempotencyKey).map(Order::toJson);
  }

  public Future<JsonObject> cart(Caller caller) {
    return carts.cart(caller).map(Cart::toJson);
  }

  public Future<JsonObject> totalSpentJson(Caller caller) {
    return totalSpent(caller).map(total -> new JsonObject().put("username", caller.username())
        .put("total_spent", total));
  }

  private Future<BigDecimal> totalSpent(Caller caller) {
    return orders.listForUser(caller).map(UserService::spent);
  }

  /** What the user has spent: every order not cancelled. */
  private static BigDecimal spent(OrderList orders) {
    return orders.orders().stream()
        .filter(o -> !"CANCELLED".equals(o.status()))
        .map(Order::total)
        .reduce(BigDecimal.ZERO, BigDecimal::add);
  }

  // ---- notifications ----

  /** From the order service only (its internal operation allows no other caller): stored once per (user, time, order, status). */
  public Future<Done> notify(UserOperations.Notification n) {
    return repository.addNotification(n.username(), n.at(), n.orderId(), n.status(),
            "Order " + n.orderId() + " is now " + n.status())
        .map(v -> new Done());
  }

  public Future<JsonArray> notifications(String username) {
    return repository.notifications(username).map(rows -> {
      JsonArray result = new JsonArray();
      rows.forEach(r -> result.add(new JsonObject()
          .put("order_id", r.getUuid("order_id").toString())
          .put("status", r.getString("status"))
          .put("message", r.getString("message"))
          .put("created_at", r.getInstant("created_at").toString())));
      return result;
    });
  }
}
