package store.platform;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;

/** Swagger UI (from its webjar) at {@code /swagger/}, showing every service's contract, with JWT "Authorize". */
public final class SwaggerUi {
  private static final String VERSION = version();

  private SwaggerUi() {
  }

  /** {@code contracts}: (name, URL of the contract as the browser reaches it), e.g. ("catalog", "/api/openapi.yaml"). */
  public static void mount(Router router, List<String[]> contracts) {
    JsonArray urls = new JsonArray();
    contracts.forEach(c -> urls.add(new JsonObject().put("name", c[0]).put("url", c[1])));
    String initializer = "window.onload = function () {\n"
        + "  window.ui = SwaggerUIBundle({ urls: " + urls.encode() + ", dom_id: '#swagger-ui', deepLinking: true,\n"
        + "    persistAuthorization: true, presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],\n"
        + "    layout: 'StandaloneLayout' });\n};\n";
    // "/swagger" also matches "/swagger/" in Vert.x: only the bare path is redirected, or the redirect loops
    router.get("/swagger").handler(rc -> {
      if (rc.request().path().equals("/swagger")) {
        rc.redirect("/swagger/");
      } else {
        rc.next();
      }
    });
    router.get("/swagger/swagger-initializer.js").handler(rc -> rc.response()
        .putHeader("Content-Type", "application/javascript").end(initializer));
    router.get("/swagger/*").handler(StaticHandler.create("META-INF/resources/webjars/swagger-ui/" + VERSION));
  }

  private static String version() {
    try (InputStream in = SwaggerUi.class.getClassLoader()
        .getResourceAsStream("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
      Properties props = new Properties();
      props.load(in);
      return props.getProperty("version");
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("swagger-ui webjar missing from the class path", e);
    }
  }
}
