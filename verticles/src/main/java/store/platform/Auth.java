package store.platform;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The store's two token authorities, with separate keys so that neither kind of token opens the other's door.
 *
 * <ul>
 *   <li>User tokens (HS256, {@code SECRET_KEY}; claims {@code sub}, {@code is_admin}, {@code ver}, {@code iat},
 *   {@code exp}) are accepted on public routes only. The role and the token version are checked against the stored
 *   account ({@link Accounts}) on every request: the {@code is_admin} claim is informative, never trusted.</li>
 *   <li>Internal credentials (HS256, {@code INTERNAL_KEY}) name the calling service ({@code iss}), the target
 *   service ({@code aud}) and the operation ({@code op}), live {@value #INTERNAL_SECONDS} seconds, and carry the
 *   user on whose behalf the call is made. They are accepted on the internal listener only, for that service and
 *   that operation only.</li>
 * </ul>
 */
public final class Auth {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Auth.class);
  public static final String INTERNAL_HEADER = "X-Internal-Credential";
  /** Keys shorter than this are refused at start: HS256 needs 256 bits of key to be as strong as its hash. */
  public static final int MIN_KEY_BYTES = 32;
  static final int INTERNAL_SECONDS = 10;
  static final String CALLER_KEY = "store.caller";

  private final JWTAuth users;
  private final JWTAuth internal;
  private final int tokenMinutes;
  private final Accounts accounts;
  /** Tokens whose signature checked out, with what they say; bounded, and kept a minute at most. */
  private final Cache<String, UserToken> verifiedTokens = Caffeine.newBuilder().maximumSize(100_000)
      .expireAfterWrite(Duration.ofMinutes(1)).build();

  /** A verified internal call: which service asks, on whose behalf. */
  public record InternalCaller(String service, Caller caller) {
  }

  public Auth(Vertx vertx, String userKey, String internalKey, int tokenMinutes, Accounts accounts) {
    requireKey("SECRET_KEY", userKey);
    requireKey("INTERNAL_KEY", internalKey);
    if (userKey.equals(internalKey)) {
      throw new IllegalArgumentException("INTERNAL_KEY must differ from SECRET_KEY: a leaked user-token key must not "
          + "also let its holder call services' internal operations");
    }
    this.users = hs256(vertx, userKey);
    this.internal = hs256(vertx, internalKey);
    this.tokenMinutes = tokenMinutes;
    this.accounts = accounts;
  }

  /** Refuses a missing or short key, saying how to make a good one. */
  public static void requireKey(String name, String key) {
    if (key == null || key.getBytes(StandardCharsets.UTF_8).length < MIN_KEY_BYTES) {
      throw new IllegalArgumentException(name + " must be at least " + MIN_KEY_BYTES + " bytes (it is "
          + (key == null ? "not set" : key.getBytes(StandardCharsets.UTF_8).length + " bytes")
          + "). Generate one with: openssl rand -base64 48");
    }
  }

  private static JWTAuth hs256(Vertx vertx, String key) {
    return JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(key)));
  }

  public Accounts accounts() {
    return accounts;
  }

  public int tokenSeconds() {
    return tokenMinutes * 60;
  }

  /** A user's access token, in the seed's shape plus the account's token version. */
  public String issueUserToken(String username, Accounts.State account) {
    return users.generateToken(new JsonObject().put("sub", username).put("is_admin", account.admin())
            .put("ver", account.version()),
        new JWTOptions().setAlgorithm("HS256").setExpiresInMinutes(tokenMinutes));
  }

  /** A credential for one call of {@code operation} on {@code target} by {@code from}, on behalf of {@code caller}. */
  public String issueInternalCredential(String from, String target, String operation, Caller caller) {
    return internal.generateToken(new JsonObject().put("sub", caller.username()).put("adm", caller.admin())
            .put("op", operation),
        new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(INTERNAL_SECONDS).setIssuer(from)
            .setAudience(List.of(target)));
  }

  /**
   * The caller a user token names, once its signature, expiry, shape and token version have checked out against
   * the stored account. A shopper's repeated requests find the token and the account in memory and get their
   * answer without a chain of futures (a tenth of a catalog page's event-loop time went into that chain).
   */
  public Future<Caller> verifyUserToken(String token) {
    UserToken known = token == null ? null : verifiedTokens.getIfPresent(token);
    Accounts.State account = known == null ? null : accounts.known(known.username());
    if (account != null) {
      return admit(known, account);
    }
    // a token verified before whose account is not in memory: only the account is read again
    return (known != null ? Future.succeededFuture(known) : verifyNow(token))
        .compose(verified -> accounts.state(verified.username()).compose(state -> admit(verified, state)));
  }

  /** What a verified user token says, read once at its verification. */
  private record UserToken(String username, int version, long expiresAtSeconds) {
  }

  private static Future<Caller> admit(UserToken token, Accounts.State account) {
    ProblemException refused = refusal(token, account);
    return refused != null ? Future.failedFuture(refused)
        : Future.succeededFuture(new Caller(token.username(), account.admin()));
  }

  /** Why a verified token does not admit its caller now (expired, account gone, token revoked); null: admitted. */
  private static ProblemException refusal(UserToken token, Accounts.State account) {
    if (token.expiresAtSeconds() <= System.currentTimeMillis() / 1000) {
      return ProblemException.unauthorized("Invalid or expired token");
    }
    if (account == null) {
      return ProblemException.unauthorized("The account no longer exists");
    }
    if (account.version() != token.version()) {
      return ProblemException.unauthorized("Token revoked (password or role changed): log in again");
    }
    return null;
  }

  /**
   * The caller a user token admits by what is in memory alone (the token verified before, its account read within
   * the last moment), by the same checks as {@link #verifyUserToken}; null when that needs a look-up or refuses.
   */
  public Caller admittedNow(String token) {
    UserToken known = token == null ? null : verifiedTokens.getIfPresent(token);
    Accounts.State account = known == null ? null : accounts.known(known.username());
    return account == null || refusal(known, account) != null ? null : new Caller(known.username(), account.admin());
  }

  /** Verifies a credential for {@code operation} on {@code service}; answers who calls, on whose behalf. */
  public Future<InternalCaller> verifyInternalCredential(String token, String service, String operation) {
    return decode(internal, token).compose(claims -> {
      Object aud = claims.getValue("aud");
      boolean forService = aud instanceof JsonArray list ? list.contains(service) : service.equals(aud);
      if (!forService || !operation.equals(claims.getString("op")) || claims.getString("iss") == null
          || claims.getString("sub") == null) {
        return Future.failedFuture(ProblemException.unauthorized("Credential not valid for this operation"));
      }
      return Future.succeededFuture(new InternalCaller(claims.getString("iss"),
          new Caller(claims.getString("sub"), claims.getBoolean("adm", false))));
    });
  }

  /**
   * A user token's signature and shape, checked now and remembered. A shopper sends the same token on every request,
   * and parsing and checking it again each time was a tenth of a catalog page's CPU. Only the signature check and the
   * parse are remembered: expiry is checked on every use ({@link #admit}), and so is the account (role, token
   * version).
   */
  private Future<UserToken> verifyNow(String token) {
    return decode(users, token).compose(claims -> {
      String username = claims.getString("sub");
      Object version = claims.getValue("ver");
      if (username == null || !(version instanceof Number) || claims.containsKey("aud")) {
        return Future.failedFuture(ProblemException.unauthorized("Invalid or expired token"));
      }
      UserToken verified = new UserToken(username, ((Number) version).intValue(), claims.getLong("exp"));
      verifiedTokens.put(token, verified);
      return Future.succeededFuture(verified);
    });
  }

  private static Future<JsonObject> decode(JWTAuth authority, String token) {
    if (token == null || token.isBlank()) {
      return Future.failedFuture(ProblemException.unauthorized("Missing bearer token"));
    }
    return authority.authenticate(new TokenCredentials(token))
        .recover(e -> {
          LOG.debug("Token rejected: {}", e.getMessage());
          return Future.failedFuture(ProblemException.unauthorized("Invalid or expired token"));
        })
        .compose(user -> {
          // vertx-auth keeps the decoded claims under the "accessToken" attribute
          JsonObject claims = user.attributes().getJsonObject("accessToken", user.principal());
          return claims.containsKey("exp") ? Future.succeededFuture(claims)
              : Future.failedFuture(ProblemException.unauthorized("Invalid or expired token"));
        });
  }

  /** The request's bearer token, or null. */
  static String bearerToken(HttpServerRequest request) {
    String header = request.getHeader("Authorization");
    return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
  }

  /** Route handler: requires a valid user bearer token and remembers the caller on the context. */
  public void authenticate(RoutingContext rc) {
    verifyUserToken(bearerToken(rc.request())).onSuccess(caller -> {
      rc.put(CALLER_KEY, caller.withRequestId(RequestLog.id(rc)));
      rc.next();
    }).onFailure(rc::fail);
  }

  /** Route handler placed after {@link #authenticate}: only admins pass. */
  public static void requireAdmin(RoutingContext rc) {
    if (caller(rc).admin()) {
      rc.next();
    } else {
      rc.fail(ProblemException.forbidden("Administrator role required"));
    }
  }

  public static Caller caller(RoutingContext rc) {
    Caller caller = rc.get(CALLER_KEY);
    if (caller == null) {
      throw ProblemException.unauthorized("Not authenticated");
    }
    return caller;
  }
}
