package store.catalog.api;

import static store.platform.Responses.uuid;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import store.platform.transport.Operation;

/**
 * The catalog's internal operations: declared here once, called by {@link CatalogClient}, served by the catalog
 * module. All are safe to repeat (reservations are keyed by their id), so the HTTP transport may retry them.
 */
public final class CatalogOperations {
  private static final String PRODUCT_ID = "product_id";
  private static final String RESERVATION_ID = "reservation_id";
  private static final String LINES = "lines";

  private CatalogOperations() {
  }

  /** A product, by id. */
  public record ProductRef(UUID productId) {
  }

  /** A reservation, by its id ({@code order:<order id>}). */
  public record ReservationRef(String reservationId) {
  }

  /** Takes every line ({@code [{product_id, quantity}]}, checked by the catalog) or none. */
  public record Reserve(String reservationId, JsonArray lines) {
  }

  public static final Operation<ProductRef> GET_PRODUCT = new Operation<>("get-product", Set.of("cart"), true,
      ref -> new JsonObject().put(PRODUCT_ID, ref.productId().toString()),
      json -> new ProductRef(uuid(json.getString(PRODUCT_ID), PRODUCT_ID)));

  public static final Operation<Reserve> RESERVE = new Operation<>("reserve", Set.of("cart", "order"), true,
      reserve -> new JsonObject().put(RESERVATION_ID, reserve.reservationId()).put(LINES, reserve.lines()),
      json -> new Reserve(json.getString(RESERVATION_ID), json.getJsonArray(LINES, new JsonArray())));

  public static final Operation<ReservationRef> GET_RESERVATION = reservationOperation("get-reservation",
      Set.of("order"));

  /** The commit point of an order: RESERVED becomes ORDERED, after which only the order service may release it. */
  public static final Operation<ReservationRef> COMMIT_RESERVATION = reservationOperation("commit-reservation",
      Set.of("order"));

  public static final Operation<ReservationRef> RELEASE = reservationOperation("release", Set.of("cart", "order"));

  public static final List<Operation<?>> ALL = List.of(GET_PRODUCT, RESERVE, GET_RESERVATION, COMMIT_RESERVATION,
      RELEASE);

  private static Operation<ReservationRef> reservationOperation(String name, Set<String> callers) {
    return new Operation<>(name, callers, true,
        ref -> new JsonObject().put(RESERVATION_ID, ref.reservationId()),
        json -> new ReservationRef(json.getString(RESERVATION_ID)));
  }
}
