package store.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.testing.StoreApi;
import store.testing.TestStore;

/** HTTP metrics are labelled by templated route: random ids and unknown paths add no series. */
@ExtendWith(VertxExtension.class)
class MetricsCardinalityTest {
  private static String baseUrl;

  @BeforeAll
  static void store() throws Exception {
    baseUrl = TestStore.start();
  }

  /** The HTTP server's series, histogram buckets and quantiles folded into their series. */
  private static java.util.Set<String> series(StoreApi root) {
    return root.get("root", "/metrics", null).body().toString().lines()
        .filter(l -> l.startsWith("vertx_http_server_"))
        .map(l -> l.substring(0, l.lastIndexOf(' ')).replaceAll(",?(le|quantile)=\"[^\"]*\"", "")
            .replaceAll("_(bucket|count|sum|max)\\{", "{"))
        .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
  }

  @Test
  void tenThousandRandomIdsAndUnknownPathsKeepTheSeriesBounded(Vertx vertx) {
    StoreApi api = StoreApi.allInOne(vertx, baseUrl);
    StoreApi root = StoreApi.root(vertx, baseUrl);
    String token = TestStore.token("metrics_" + UUID.randomUUID().toString().substring(0, 8), false);
    api.get("catalog", "/products/" + UUID.randomUUID(), token); // every route family seen once
    api.get("catalog", "/no/such/" + UUID.randomUUID(), token);
    java.util.Set<String> before = series(root);
    for (int batch = 0; batch < 100; batch++) {
      List<Future<StoreApi.Response>> requests = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        String path = i % 2 == 0 ? "/products/" + UUID.randomUUID() : "/no/such/" + UUID.randomUUID();
        requests.add(api.sendAsync(HttpMethod.GET, "catalog", path, token, null, MultiMap.caseInsensitiveMultiMap()));
      }
      requests.forEach(StoreApi::await);
    }
    String metrics = root.get("root", "/metrics", null).body().toString();
    // the template as vertx-web names it through the /api sub-router, e.g. "/api/>/products/:product_id…"
    assertThat(metrics.lines().filter(l -> l.startsWith("vertx_http_server_requests_total{")))
        .anyMatch(l -> l.contains("route=\"/api/>/products/:product_id"))
        .noneMatch(l -> l.matches(".*[0-9a-f]{8}-[0-9a-f]{4}-.*"));
    java.util.Set<String> after = series(root);
    after.removeAll(before);
    assertThat(after).as("new series after 10 000 requests to random ids and paths").hasSizeLessThanOrEqualTo(5);
  }
}
