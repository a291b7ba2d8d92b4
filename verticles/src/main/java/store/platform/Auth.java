package store.platform;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.RoutingContext;

/**
 * The one JWT authority of the store (HS256, {@code SECRET_KEY}).
 *
 * <p>Two kinds of token share the key but never each other's door: user tokens (claims {@code sub},
 * {@code is_admin}, {@code exp}, {@code iat}) are accepted on public routes only; internal credentials carry the
 * audience {@value #INTERNAL_AUDIENCE}, live seconds, and are accepted on {@code /internal/} routes only.
 */
public final class Auth {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Auth.class);
  public static final String INTERNAL_AUDIENCE = "store-internal";
  public static final String INTERNAL_HEADER = "X-Internal-Credential";
  private static final String CALLER_KEY = "store.caller";

  private final JWTAuth jwt;
  private final int tokenMinutes;

  public Auth(Vertx vertx, String secret, int tokenMinutes) {
    if (secret == null || secret.isBlank()) {
      throw new IllegalArgumentException("SECRET_KEY is empty");
    }
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
    this.tokenMinutes = tokenMinutes;
  }

  public int tokenSeconds() {
    return tokenMinutes * 60;
  }

  /** A user's access token, as the seed issued it. */
  public String issueUserToken(String username, boolean admin) {
    return jwt.generateToken(new JsonObject().put("sub", username).put("is_admin", admin),
        new JWTOptions().setAlgorithm("HS256").setExpiresInMinutes(tokenMinutes));
  }

  /** A short-lived credential that carries the caller from one service to another. */
  public String issueInternalCredential(Caller caller) {
    return jwt.generateToken(caller.toJson(), new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(60)
        .setAudience(java.util.List.of(INTERNAL_AUDIENCE)));
  }

  public Future<Caller> verifyUserToken(String token) {
    return verify(token, false);
  }

  public Future<Caller> verifyInternalCredential(String token) {
    return verify(token, true);
  }

  private Future<Caller> verify(String token, boolean internal) {
    if (token == null || token.isBlank()) {
      return Future.failedFuture(ProblemException.unauthorized("Missing bearer token"));
    }
    return jwt.authenticate(new TokenCredentials(token))
        .recover(e -> {
          LOG.debug("Token rejected: {}", e.getMessage());
          return Future.failedFuture(ProblemException.unauthorized("Invalid or expired token"));
        })
        .compose(user -> {
          // vertx-auth keeps the decoded claims under the "accessToken" attribute
          JsonObject claims = user.attributes().getJsonObject("accessToken", user.principal());
          boolean isInternal = hasInternalAudience(claims);
          if (isInternal != internal || claims.getString("sub") == null || !claims.containsKey("exp")) {
            return Future.failedFuture(ProblemException.unauthorized("Invalid or expired token"));
          }
          return Future.succeededFuture(Caller.fromJson(claims));
        });
  }

  private static boolean hasInternalAudience(JsonObject claims) {
    Object aud = claims.getValue("aud");
    if (aud instanceof JsonArray list) {
      return list.contains(INTERNAL_AUDIENCE);
    }
    return INTERNAL_AUDIENCE.equals(aud);
  }

  /** Route handler: requires a valid user bearer token and remembers the caller on the context. */
  public void authenticate(RoutingContext rc) {
    String header = rc.request().getHeader("Authorization");
    String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
    verifyUserToken(token).onSuccess(caller -> {
      rc.put(CALLER_KEY, caller);
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
