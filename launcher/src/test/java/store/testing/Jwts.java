package store.testing;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Tokens built by hand (base64url JSON, HMAC over it), so tests do not trust the library the store uses, and can
 * build every malformed variant an attacker would.
 */
public final class Jwts {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private Jwts() {
  }

  /** {@code alg} is what the header says; {@code hmac} (HmacSHA256/384/512) what signs, {@code secret} null: none. */
  public static String sign(String alg, JsonObject claims, String secret, String hmac) {
    String signingInput = B64.encodeToString(new JsonObject().put("alg", alg).put("typ", "JWT").encode()
        .getBytes(StandardCharsets.UTF_8)) + "." + B64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    if (secret == null) {
      return signingInput + ".";
    }
    try {
      Mac mac = Mac.getInstance(hmac);
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), hmac));
      return signingInput + "." + B64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public static String hs256(JsonObject claims, String secret) {
    return sign("HS256", claims, secret, "HmacSHA256");
  }

  /** Claims as the store issues them for {@code username} at token version {@code version}. */
  public static JsonObject claims(String username, int version, long expiresInSeconds) {
    long now = System.currentTimeMillis() / 1000;
    return new JsonObject().put("sub", username).put("is_admin", false).put("ver", version).put("iat", now)
        .put("exp", now + expiresInSeconds);
  }

  /**
   * Authorization header values (null: none at all) that every secured route must answer with 401, by what is wrong
   * with them. {@code username}/{@code version} name a real account, so each variant differs from a valid token
   * in one way only; {@code internalCredential} is a valid service credential, which must not open a public door.
   */
  public static Map<String, String> badAuthorizations(String username, int version, String secret,
      String internalCredential) {
    long now = System.currentTimeMillis() / 1000;
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("no header", null);
    bad.put("empty bearer", "Bearer ");
    bad.put("basic auth", "Basic " + Base64.getEncoder().encodeToString((username + ":x").getBytes()));
    bad.put("garbage", "Bearer not.a.token");
    bad.put("expired", "Bearer " + hs256(claims(username, version, -60).put("iat", now - 3600), secret));
    bad.put("issued in the future", "Bearer " + hs256(claims(username, version, 7200).put("iat", now + 3600),
        secret));
    bad.put("not valid yet", "Bearer " + hs256(claims(username, version, 7200).put("nbf", now + 3600), secret));
    bad.put("wrong key", "Bearer " + hs256(claims(username, version, 600), "not-the-" + secret));
    bad.put("alg none", "Bearer " + sign("none", claims(username, version, 600), null, null));
    bad.put("HS384", "Bearer " + sign("HS384", claims(username, version, 600), secret, "HmacSHA384"));
    bad.put("HS512", "Bearer " + sign("HS512", claims(username, version, 600), secret, "HmacSHA512"));
    bad.put("RS256 header", "Bearer " + sign("RS256", claims(username, version, 600), secret, "HmacSHA256"));
    JsonObject noSub = claims(username, version, 600);
    noSub.remove("sub");
    bad.put("no sub", "Bearer " + hs256(noSub, secret));
    JsonObject noVersion = claims(username, version, 600);
    noVersion.remove("ver");
    bad.put("no token version", "Bearer " + hs256(noVersion, secret));
    bad.put("older token version", "Bearer " + hs256(claims(username, version - 1, 600), secret));
    JsonObject noExp = claims(username, version, 600);
    noExp.remove("exp");
    bad.put("no exp", "Bearer " + hs256(noExp, secret));
    bad.put("unknown account", "Bearer " + hs256(claims("ghost_" + now, 0, 600), secret));
    String valid = hs256(claims(username, version, 600), secret);
    String[] parts = valid.split("\\.");
    bad.put("tampered claims", "Bearer " + parts[0] + "." + B64.encodeToString(claims(username, version, 600)
        .put("is_admin", true).encode().getBytes(StandardCharsets.UTF_8)) + "." + parts[2]);
    bad.put("internal credential", "Bearer " + internalCredential);
    return bad;
  }
}
