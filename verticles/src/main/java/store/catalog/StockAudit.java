package store.catalog;

import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import store.catalog.Reservations.Line;
import store.platform.Cql;

/**
 * The catalog's books, checked: for every product, the stock the shop has had ({@code stock_total}: set at creation,
 * moved by an admin's new count) equals the stock on the shelf plus the stock held by reservations — the lines of
 * RESERVED and ORDERED ones (an order not cancelled holds its reservation as ORDERED), the taken lines of ones cut
 * short (PENDING, ABANDONED: the product's hold markers), and the lines of RELEASING ones not yet returned. Reads
 * whole tables: an operator's and a test's tool, never a request.
 */
public final class StockAudit {
  private static final Set<String> HOLDING = Set.of("RESERVED", "ORDERED");
  private static final Set<String> CUT_SHORT = Set.of("PENDING", "ABANDONED");

  private StockAudit() {
  }

  /**
   * {@code {products, unverifiable, reservations: {STATE: n}, violations: [{product_id, name, stock_total,
   * stock_count, held, detail}], reservation_states: {id: STATE}}}; no violations when the books balance.
   */
  public static Future<JsonObject> run(Cql cql) {
    CatalogRepository repository = new CatalogRepository(cql);
    return repository.allReservations().compose(reservations -> repository.allStock()
        .map(products -> check(reservations, products)));
  }

  private static JsonObject check(List<Row> reservations, List<Row> products) {
    Map<String, String> states = new HashMap<>();
    Map<UUID, Integer> held = new HashMap<>();
    Map<String, List<Line>> releasing = new HashMap<>();
    JsonObject byState = new JsonObject();
    for (Row r : reservations) {
      String id = r.getString("reservation_id");
      String state = r.getString("state");
      states.put(id, state);
      byState.put(state, byState.getInteger(state, 0) + 1);
      List<Line> lines = r.isNull("lines") ? List.of() : Line.fromJson(new JsonArray(r.getString("lines")));
      if (HOLDING.contains(state)) {
        lines.forEach(l -> held.merge(l.productId(), l.quantity(), Integer::sum));
      } else if ("RELEASING".equals(state)) {
        releasing.put(id, lines);
      }
    }
    JsonArray violations = new JsonArray();
    int unverifiable = 0;
    for (Row p : products) {
      UUID id = p.getUuid("product_id");
      Map<String, Integer> holds = p.getMap("pending_holds", String.class, Integer.class);
      Map<String, Integer> returns = p.getMap("pending_returns", String.class, Integer.class);
      int stockHeld = held.getOrDefault(id, 0);
      StringBuilder detail = new StringBuilder();
      for (Map.Entry<String, Integer> hold : holds.entrySet()) {
        String state = states.get(hold.getKey());
        if (state == null || CUT_SHORT.contains(state)) {
          stockHeld += hold.getValue();
        }
        if (state == null) {
          detail.append("held by unknown reservation ").append(hold.getKey()).append("; ");
        }
      }
      for (Map.Entry<String, List<Line>> release : releasing.entrySet()) {
        if (!returns.containsKey(release.getKey())) {
          stockHeld += release.getValue().stream().filter(l -> l.productId().equals(id)).mapToInt(Line::quantity).sum();
        }
      }
      if (p.isNull("stock_total")) {
        unverifiable++; // made before the store kept totals
        continue;
      }
      int total = p.getInt("stock_total");
      int count = p.getInt("stock_count");
      if (total != count + stockHeld || count < 0 || detail.length() > 0) {
        violations.add(new JsonObject().put("product_id", id.toString()).put("name", p.getString("name"))
            .put("stock_total", total).put("stock_count", count).put("held", stockHeld)
            .put("detail", detail.length() > 0 ? detail.toString().strip()
                : "stock_total != stock_count + held (" + total + " != " + count + " + " + stockHeld + ")"));
      }
    }
    JsonObject stateOf = new JsonObject();
    states.forEach(stateOf::put);
    return new JsonObject().put("products", products.size()).put("unverifiable", unverifiable)
        .put("reservations", byState).put("violations", violations).put("reservation_states", stateOf);
  }
}
