package store.catalog.api;

import static store.platform.Responses.decimal;
import static store.platform.Responses.uuid;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import store.platform.transport.Operation;
import store.platform.transport.Operation.Codec;

/**
 * The catalog's internal operations: declared here once, called by {@link CatalogClient}, served by the catalog
 * module. All are safe to repeat (reservations are keyed by their id), so the HTTP transport may retry them.
 */
public final class CatalogOperations {
  private static final String PRODUCT_ID = "product_id";
  private static final String RESERVATION_ID = "reservation_id";
  private static final String LINES = "lines";
  private static final String NAME = "name";
  private static final String PRICE = "price";
  private static final String QUANTITY = "quantity";
  private static final String STATE = "state";

  /**
   * The problem type of a reserve under an id whose reservation was given back (RELEASED, or ABANDONED after a
   * crash): no order can ever be made under that id, so a caller retrying a failed checkout reserves under another.
   */
  public static final String RESERVATION_CLOSED = "reservation-closed";

  private CatalogOperations() {
  }

  /** A product, by id. */
  public record ProductRef(UUID productId) {
  }

  /** A reservation, by its id ({@code order:<order id>}). */
  public record ReservationRef(String reservationId) {
  }

  /**
   * The commit of a reservation; {@code closeUnmade}: one never made is filed closed (for the repair of an order's
   * intent), where otherwise it is a 404.
   */
  public record CommitRef(String reservationId, boolean closeUnmade) {
  }

  /** Takes every line ({@code [{product_id, quantity}]}, checked by the catalog) or none. */
  public record Reserve(String reservationId, JsonArray lines) {
  }

  /** A product as the catalog has it now; its JSON is the public API's product. */
  public record Product(UUID productId, String name, String category, BigDecimal price, int stockCount,
      String description, String manufacturer) {

    public JsonObject toJson() {
      return new JsonObject().put(PRODUCT_ID, productId.toString()).put(NAME, name).put("category", category)
          .put(PRICE, price).put("stock_count", stockCount).put("description", description)
          .put("manufacturer", manufacturer);
    }

    public static Product fromJson(JsonObject json) {
      return new Product(uuid(json.getString(PRODUCT_ID), PRODUCT_ID), json.getString(NAME),
          json.getString("category"), decimal(json, PRICE), json.getInteger("stock_count", 0),
          json.getString("description"), json.getString("manufacturer"));
    }
  }

  /** A reserved line, at the catalog's name and price when the stock was taken. */
  public record Line(UUID productId, String name, BigDecimal price, int quantity) {

    public JsonObject toJson() {
      return new JsonObject().put(PRODUCT_ID, productId.toString()).put(NAME, name).put(PRICE, price)
          .put(QUANTITY, quantity);
    }

    static Line fromJson(JsonObject json) {
      return new Line(uuid(json.getString(PRODUCT_ID), PRODUCT_ID), json.getString(NAME), decimal(json, PRICE),
          json.getInteger(QUANTITY));
    }
  }

  /**
   * A reservation: its state ({@code RESERVED}, {@code ORDERED}, {@code RELEASED}, …), its owner and its lines. The
   * answer of {@link #RESERVE} has no state or owner: it is the caller's, reserved.
   */
  public record Reservation(String reservationId, String state, String owner, List<Line> lines) {

    public JsonObject toJson() {
      JsonArray encoded = new JsonArray();
      lines.forEach(line -> encoded.add(line.toJson()));
      return new JsonObject().put(RESERVATION_ID, reservationId).put(STATE, state).put("owner", owner)
          .put(LINES, encoded);
    }

    public static Reservation fromJson(JsonObject json) {
      return new Reservation(json.getString(RESERVATION_ID), json.getString(STATE), json.getString("owner"),
          json.getJsonArray(LINES, new JsonArray()).stream().map(o -> Line.fromJson((JsonObject) o)).toList());
    }
  }

  /**
   * The commit point's answer: the reservation with its state now, and whether this call is the one that moved it to
   * ORDERED. Only that call may write the order as new; a repeat, or a repair of a commit whose outcome went
   * unknown, must find out whether the order row is there. {@code orderedAt}: when it was committed, the same in
   * every answer, so every writer of the order gives it the same creation time (null for a reservation committed
   * before the catalog kept that time, or not ordered).
   */
  public record Commit(Reservation reservation, boolean committedNow, Instant orderedAt) {

    public JsonObject toJson() {
      return reservation.toJson().put("committed_now", committedNow)
          .put("ordered_at", orderedAt == null ? null : orderedAt.toString());
    }

    public static Commit fromJson(JsonObject json) {
      String orderedAt = json.getString("ordered_at");
      return new Commit(Reservation.fromJson(json), json.getBoolean("committed_now", false),
          orderedAt == null ? null : Instant.parse(orderedAt));
    }
  }

  /** Whether this call gave the stock back, and the reservation's state now. */
  public record Release(String reservationId, boolean released, String state) {

    public JsonObject toJson() {
      return new JsonObject().put(RESERVATION_ID, reservationId).put("released", released).put(STATE, state);
    }

    public static Release fromJson(JsonObject json) {
      return new Release(json.getString(RESERVATION_ID), json.getBoolean("released", false), json.getString(STATE));
    }
  }

  private static final Codec<ReservationRef> RESERVATION_REF = new Codec<>(
      ref -> new JsonObject().put(RESERVATION_ID, ref.reservationId()),
      json -> new ReservationRef(json.getString(RESERVATION_ID)));
  private static final Codec<Reservation> RESERVATION = new Codec<>(Reservation::toJson, Reservation::fromJson);

  public static final Operation<ProductRef, Product> GET_PRODUCT = new Operation<>("get-product", Set.of("cart"),
      true, new Codec<>(ref -> new JsonObject().put(PRODUCT_ID, ref.productId().toString()),
          json -> new ProductRef(uuid(json.getString(PRODUCT_ID), PRODUCT_ID))),
      new Codec<>(Product::toJson, Product::fromJson));

  private static final Codec<Reserve> RESERVE_REQUEST = new Codec<>(reserve -> new JsonObject()
      .put(RESERVATION_ID, reserve.reservationId()).put(LINES, reserve.lines()),
      json -> new Reserve(json.getString(RESERVATION_ID), json.getJsonArray(LINES, new JsonArray())));
  private static final Codec<Commit> COMMIT = new Codec<>(Commit::toJson, Commit::fromJson);

  /**
   * A plain reservation: RESERVED, for its owner to commit ({@link #COMMIT_RESERVATION}) or release later. A checkout
   * no longer takes this way ({@link #RESERVE_ORDERED}); the cart, which used to, may no longer call it.
   */
  public static final Operation<Reserve, Reservation> RESERVE = new Operation<>("reserve", Set.of("order"),
      true, RESERVE_REQUEST, RESERVATION);

  /**
   * A checkout's reservation, for the order service once it has filed the order's intent: every line or none, and
   * ORDERED in the same move (the order's commit point, as {@link #COMMIT_RESERVATION}).
   */
  public static final Operation<Reserve, Commit> RESERVE_ORDERED = new Operation<>("reserve-ordered",
      Set.of("order"), true, RESERVE_REQUEST, COMMIT);

  public static final Operation<ReservationRef, Reservation> GET_RESERVATION = new Operation<>("get-reservation",
      Set.of("cart", "order"), true, RESERVATION_REF, RESERVATION);

  /** The commit point of an order: RESERVED becomes ORDERED, after which only the order service may release it. */
  public static final Operation<CommitRef, Commit> COMMIT_RESERVATION = new Operation<>(
      "commit-reservation", Set.of("order"), true, new Codec<>(ref -> new JsonObject()
          .put(RESERVATION_ID, ref.reservationId()).put("close_unmade", ref.closeUnmade()),
          json -> new CommitRef(json.getString(RESERVATION_ID), json.getBoolean("close_unmade", false))), COMMIT);

  public static final Operation<ReservationRef, Release> RELEASE = new Operation<>("release", Set.of("cart", "order"),
      true, RESERVATION_REF, new Codec<>(Release::toJson, Release::fromJson));

  public static final List<Operation<?, ?>> ALL = List.of(GET_PRODUCT, RESERVE, RESERVE_ORDERED, GET_RESERVATION,
      COMMIT_RESERVATION, RELEASE);
}
