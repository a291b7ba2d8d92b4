package store.platform;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Comparator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import one.convert.Arguments;
import one.convert.JfrToFlame;

/**
 * Profiles of this process, the JVM way: an admin records the JVM with Flight Recorder for some seconds
 * ({@code POST /profiles/?seconds=30}), the recordings are listed at {@code GET /profiles/}, each downloadable
 * ({@code NAME.jfr}, for JDK Mission Control) and as a flame graph a browser opens ({@code NAME.html}, made from the
 * recording by async-profiler's converter on first request).
 *
 * <p>Every route needs an admin token; the listing also hands out links signed for ten minutes, so the flame graph
 * opens from a plain link in a browser. File names are checked against a strict pattern and resolved inside the
 * profiles directory, so no request names a file elsewhere.
 */
public final class Profiles {
  static final Pattern FILE = Pattern.compile("(profile-\\d{8}-\\d{6}-\\d{1,3}s)\\.(jfr|html)");
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
  private static final int MAX_SECONDS = 300;
  private static final Duration LINK_LIFETIME = Duration.ofMinutes(10);

  private final Vertx vertx;
  private final Path directory;
  private final byte[] linkKey = new byte[32];
  private volatile String recording; // the name being recorded, at most one at a time

  public Profiles(Vertx vertx, Path directory) {
    this.vertx = vertx;
    this.directory = directory.toAbsolutePath().normalize();
    new SecureRandom().nextBytes(linkKey);
  }

  /** Mounts the routes; {@code authenticate} is the user-token check every route passes first. */
  public void mount(Router router, io.vertx.core.Handler<RoutingContext> authenticate) {
    router.post("/profiles/").handler(authenticate).handler(Auth::requireAdmin).handler(this::start);
    router.get("/profiles/").handler(authenticate).handler(Auth::requireAdmin).handler(this::list);
    // a link signed by the listing opens without a token (a browser tab); anything else is an admin's request
    router.get("/profiles/:file").handler(rc -> {
      if (validSignature(rc.pathParam("file"), rc.queryParams().get("expires"), rc.queryParams().get("sig"))) {
        serve(rc);
      } else {
        rc.next();
      }
    }).handler(authenticate).handler(Auth::requireAdmin).handler(this::serve);
  }

  private void start(RoutingContext rc) {
    int seconds;
    try {
      seconds = Integer.parseInt(rc.queryParams().get("seconds") == null ? "30" : rc.queryParams().get("seconds"));
    } catch (NumberFormatException e) {
      seconds = -1;
    }
    if (seconds < 1 || seconds > MAX_SECONDS) {
      rc.fail(ProblemException.invalidField("seconds", "must be a whole number from 1 to " + MAX_SECONDS));
      return;
    }
    int duration = seconds;
    String name = "profile-" + STAMP.format(Instant.now()) + "-" + seconds + "s";
    synchronized (this) {
      if (recording != null) {
        rc.fail(ProblemException.conflict("A recording is in progress: " + recording));
        return;
      }
      recording = name;
    }
    vertx.executeBlocking(() -> {
      Files.createDirectories(directory);
      Recording jfr = new Recording(Configuration.getConfiguration("profile"));
      jfr.setName(name);
      jfr.setToDisk(true);
      jfr.setDestination(directory.resolve(name + ".jfr"));
      jfr.setDuration(Duration.ofSeconds(duration)); // the JVM stops it and writes the file
      jfr.start();
      return jfr;
    }, false).onSuccess(jfr -> {
      vertx.setTimer(duration * 1000L + 500, t -> finished(name, jfr));
      rc.response().setStatusCode(202).putHeader("Content-Type", "application/json")
          .end(entry(name, Instant.now(), -1).put("status", "recording").put("seconds", duration).encode());
    }).onFailure(e -> {
      recording = null;
      rc.fail(e);
    });
  }

  private void finished(String name, Recording jfr) {
    if (jfr.getState() == jdk.jfr.RecordingState.STOPPED || jfr.getState() == jdk.jfr.RecordingState.CLOSED) {
      jfr.close();
      recording = null;
    } else {
      vertx.setTimer(500, t -> finished(name, jfr));
    }
  }

  private void list(RoutingContext rc) {
    vertx.executeBlocking(() -> {
      JsonArray profiles = new JsonArray();
      if (Files.isDirectory(directory)) {
        try (Stream<Path> files = Files.list(directory)) {
          files.filter(f -> f.getFileName().toString().endsWith(".jfr"))
              .filter(f -> !f.getFileName().toString().startsWith(String.valueOf(recording)))
              .sorted(Comparator.comparing(Path::getFileName).reversed())
              .forEach(f -> {
                String name = f.getFileName().toString().replaceFirst("\\.jfr$", "");
                try {
                  profiles.add(entry(name, Files.getLastModifiedTime(f).toInstant(), Files.size(f)));
                } catch (IOException gone) {
                  // removed meanwhile
                }
              });
        }
      }
      return new JsonObject().put("recording", recording).put("profiles", profiles);
    }, false).onSuccess(body -> rc.response().putHeader("Content-Type", "application/json").end(body.encode()))
        .onFailure(rc::fail);
  }

  private JsonObject entry(String name, Instant at, long size) {
    JsonObject entry = new JsonObject().put("name", name).put("created_at", at.toString());
    if (size >= 0) {
      entry.put("size_bytes", size).put("download", signedLink(name + ".jfr"))
          .put("flame_graph", signedLink(name + ".html"));
    }
    return entry;
  }

  private void serve(RoutingContext rc) {
    var match = FILE.matcher(rc.pathParam("file"));
    Path jfr = match.matches() ? directory.resolve(match.group(1) + ".jfr").normalize() : null;
    if (jfr == null || !jfr.startsWith(directory) || match.group(1).equals(recording) || !Files.isRegularFile(jfr)) {
      rc.fail(ProblemException.notFound("No such profile"));
      return;
    }
    if (match.group(2).equals("jfr")) {
      rc.response().putHeader("Content-Type", "application/octet-stream")
          .putHeader("Content-Disposition", "attachment; filename=\"" + jfr.getFileName() + "\"")
          .sendFile(jfr.toString());
      return;
    }
    Path html = directory.resolve(match.group(1) + ".html");
    vertx.executeBlocking(() -> {
      if (!Files.isRegularFile(html)) {
        Path partial = directory.resolve(match.group(1) + ".html.tmp");
        JfrToFlame.convert(jfr.toString(), partial.toString(), new Arguments("--title", match.group(1)));
        Files.move(partial, html, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      return html;
    }, false).onSuccess(file -> rc.response().putHeader("Content-Type", "text/html; charset=utf-8")
        .sendFile(file.toString())).onFailure(rc::fail);
  }

  private String signedLink(String file) {
    long expires = Instant.now().plus(LINK_LIFETIME).getEpochSecond();
    return "/profiles/" + file + "?expires=" + expires + "&sig=" + signature(file, expires);
  }

  private boolean validSignature(String file, String expires, String sig) {
    if (file == null || expires == null || sig == null || !expires.matches("\\d{1,12}")) {
      return false;
    }
    long at = Long.parseLong(expires);
    return at > Instant.now().getEpochSecond() && MessageDigest.isEqual(
        signature(file, at).getBytes(StandardCharsets.US_ASCII), sig.getBytes(StandardCharsets.US_ASCII));
  }

  private String signature(String file, long expires) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(linkKey, "HmacSHA256"));
      return Base64.getUrlEncoder().withoutPadding()
          .encodeToString(mac.doFinal((file + "\n" + expires).getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

}
