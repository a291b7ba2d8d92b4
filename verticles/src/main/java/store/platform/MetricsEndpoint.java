package store.platform;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.backends.BackendRegistries;
import java.util.Map;

/**
 * {@code GET /metrics}: Micrometer's Prometheus scrape, plus the original system's names that the Prometheus client
 * cannot produce. The client reserves the {@code _created} suffix (OpenMetrics' creation timestamp) and strips it,
 * so the counter {@code orders_created} comes out as {@code orders_total}; the original's dashboards, alerts and
 * scripts query {@code orders_created_total}. The family is served under both names (same samples).
 */
public final class MetricsEndpoint {
  /** exported name → the original system's name for the same family. */
  static final Map<String, String> ALIASES = Map.of("orders_total", "orders_created_total");

  private MetricsEndpoint() {
  }

  public static Handler<RoutingContext> create() {
    return rc -> {
      PrometheusMeterRegistry registry = (PrometheusMeterRegistry) BackendRegistries.getDefaultNow();
      rc.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
          .end(withAliases(registry.scrape()));
    };
  }

  /** Appends each aliased family once more under its other name (a family's lines must stay together). */
  static String withAliases(String exposition) {
    StringBuilder out = new StringBuilder(exposition.length() + 256).append(exposition);
    if (!exposition.isEmpty() && exposition.charAt(exposition.length() - 1) != '\n') {
      out.append('\n');
    }
    for (Map.Entry<String, String> alias : ALIASES.entrySet()) {
      String name = alias.getKey();
      for (String line : exposition.split("\n")) {
        String rest = familyLine(line, name);
        if (rest != null) {
          out.append(line, 0, line.length() - rest.length() - name.length()).append(alias.getValue()).append(rest)
              .append('\n');
        }
      }
    }
    return out.toString();
  }

  /** What follows the family name on a sample, HELP or TYPE line of that family; null for other lines. */
  private static String familyLine(String line, String name) {
    String body = line.startsWith("# HELP ") || line.startsWith("# TYPE ") ? line.substring(7) : line;
    if (!body.startsWith(name) || body.length() == name.length()) {
      return null;
    }
    char next = body.charAt(name.length());
    return next == '{' || next == ' ' ? body.substring(name.length()) : null;
  }
}
