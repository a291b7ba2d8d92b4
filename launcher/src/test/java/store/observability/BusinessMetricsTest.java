package store.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.testing.ShoppingScenario;
import store.testing.StoreApi;
import store.testing.TestStore;

/** The business counters keep the original system's exported names, which its dashboards and alerts query. */
@ExtendWith(VertxExtension.class)
class BusinessMetricsTest {
  private static final String[] COUNTERS = {"user_registrations_total", "cart_items_added_total",
      "orders_created_total", "product_views_total"};
  private static String baseUrl;

  @BeforeAll
  static void store() throws Exception {
    baseUrl = TestStore.start();
  }

  private static Map<String, Double> counters(StoreApi root) {
    return java.util.Arrays.stream(COUNTERS)
        .collect(Collectors.toMap(Function.identity(), name -> root.metricSum("root", name + " ")
            + root.metricSum("root", name + "{")));
  }

  @Test
  void oneShoppingSequenceMovesEveryCounterUnderTheOriginalNames(Vertx vertx) {
    StoreApi root = StoreApi.root(vertx, baseUrl);
    Map<String, Double> before = counters(root);
    ShoppingScenario.run(StoreApi.allInOne(vertx, baseUrl));
    Map<String, Double> after = counters(root);
    for (String counter : COUNTERS) {
      assertThat(after.get(counter)).as(counter).isGreaterThanOrEqualTo(before.get(counter) + 1);
    }
    // the catalog dashboard's "Most viewed categories" groups views by this label
    assertThat(root.get("root", "/metrics", null).body().toString().lines()
        .filter(l -> l.startsWith("product_views_total{"))).as("product views by category")
        .isNotEmpty().allMatch(l -> l.contains("category=\""));
  }

  @Test
  void ordersCreatedIsTheSameFamilyAsTheClientsOrdersTotal(Vertx vertx) {
    String metrics = StoreApi.root(vertx, baseUrl).get("root", "/metrics", null).body().toString();
    assertThat(metrics).contains("# TYPE orders_created_total counter");
    // each sample of one family appears once more under the other name, same labels and value
    assertThat(metrics.lines().filter(l -> l.startsWith("orders_created_total"))
        .map(l -> l.replaceFirst("^orders_created_total", "orders_total")).toList())
        .isNotEmpty()
        .allMatch(l -> metrics.lines().anyMatch(l::equals));
  }
}
