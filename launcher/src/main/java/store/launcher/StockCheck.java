package store.launcher;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import store.catalog.StockAudit;
import store.order.OrderAudit;
import store.platform.Cql;

/**
 * {@code java -jar product-store.jar check-stock}: the store's stock invariant, checked against Cassandra — for every
 * product, the stock it has had = on the shelf + held by live reservations and by orders not cancelled; and every
 * order agrees with its reservation. Prints the report as JSON; exit code 1 when anything is off. Meant for a quiet
 * store (checkouts in flight are counted where they are, but may move between the two reads).
 */
public final class StockCheck {
  private StockCheck() {
  }

  /** The report: {@code {ok, products, orders, unverifiable, reservations: {STATE: n}, violations: [...]}}. */
  public static Future<JsonObject> run(Cql cql) {
    return StockAudit.run(cql).compose(stock -> OrderAudit.run(cql, stock.getJsonObject("reservation_states"))
        .map(orders -> {
          JsonArray violations = stock.getJsonArray("violations").copy().addAll(orders.getJsonArray("violations"));
          return new JsonObject().put("ok", violations.isEmpty()).put("products", stock.getInteger("products"))
              .put("orders", orders.getInteger("orders")).put("unverifiable", stock.getInteger("unverifiable"))
              .put("reservations", stock.getJsonObject("reservations")).put("violations", violations);
        }));
  }

  static int command() {
    int[] exit = {0};
    int ran = Operator.againstCassandra("check-stock", store -> run(store.cql()).map(report -> {
      exit[0] = report.getBoolean("ok") ? 0 : 1;
      return report.encodePrettily();
    }));
    return ran != 0 ? ran : exit[0];
  }
}
