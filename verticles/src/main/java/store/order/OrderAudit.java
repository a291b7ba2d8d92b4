package store.order;

import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Set;
import store.platform.Cql;

/**
 * Orders against the catalog's reservations (as {@code StockAudit} reports their states): an order not cancelled
 * holds its reservation as ORDERED, a cancelled one has given it back (RELEASED), and every ORDERED reservation of
 * an order has the order's row. Reads the whole table: an operator's and a test's tool, never a request.
 */
public final class OrderAudit {
  private OrderAudit() {
  }

  /** {@code {orders, violations: [{order_id?, reservation_id, detail}]}}. */
  public static Future<JsonObject> run(Cql cql, JsonObject reservationStates) {
    return new OrderRepository(cql).allReservations().map(rows -> {
      JsonArray violations = new JsonArray();
      Set<String> recorded = new HashSet<>();
      for (Row order : rows) {
        String reservation = order.getString("reservation_id");
        String status = order.getString("status");
        String state = reservation == null ? null : reservationStates.getString(reservation);
        recorded.add(reservation);
        boolean cancelled = OrderStatus.CANCELLED.name().equals(status);
        String expected = cancelled ? "RELEASED" : "ORDERED";
        if (!expected.equals(state)) {
          violations.add(new JsonObject().put("order_id", order.getUuid("order_id").toString())
              .put("reservation_id", reservation)
              .put("detail", "a " + status + " order's reservation is " + state + ", expected " + expected));
        }
      }
      reservationStates.forEach(e -> {
        if ("ORDERED".equals(e.getValue()) && e.getKey().startsWith("order:") && !recorded.contains(e.getKey())) {
          violations.add(new JsonObject().put("reservation_id", e.getKey())
              .put("detail", "committed to an order that has no row"));
        }
      });
      return new JsonObject().put("orders", rows.size()).put("violations", violations);
    });
  }
}
