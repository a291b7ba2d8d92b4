package store.catalog.api;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import java.util.UUID;
import store.catalog.api.CatalogOperations.Commit;
import store.catalog.api.CatalogOperations.CommitRef;
import store.catalog.api.CatalogOperations.Product;
import store.catalog.api.CatalogOperations.ProductRef;
import store.catalog.api.CatalogOperations.Release;
import store.catalog.api.CatalogOperations.Reservation;
import store.catalog.api.CatalogOperations.ReservationRef;
import store.catalog.api.CatalogOperations.Reserve;
import store.platform.Caller;
import store.platform.transport.ServiceChannel;

/**
 * What other services may ask of the catalog ({@link CatalogOperations}). The channel under it is the event bus or
 * HTTP, as the launcher decided.
 */
public final class CatalogClient {
  private final ServiceChannel channel;

  public CatalogClient(ServiceChannel channel) {
    this.channel = channel;
  }

  /** The product as the catalog has it now; 404 problem if unknown. */
  public Future<Product> product(UUID productId, Caller caller) {
    return channel.call(CatalogOperations.GET_PRODUCT, new ProductRef(productId), caller);
  }

  /**
   * Takes every line ({@code [{product_id, quantity}]}) or none. Answers the reserved lines with the catalog's
   * current names and prices; 409 problem when stock is short.
   */
  public Future<Reservation> reserve(String reservationId, JsonArray lines, Caller caller) {
    return channel.call(CatalogOperations.RESERVE, new Reserve(reservationId, lines), caller);
  }

  /**
   * For the order service, once it has filed the order's intent: reserves every line or none under
   * {@code order:<orderId>} and commits it in the same move. Answers as {@link #commit} does (ORDERED, with the lines
   * at the catalog's names and prices); 409 problem when stock is short, or when the reservation was closed.
   */
  public Future<Commit> reserveOrdered(String reservationId, JsonArray lines, Caller caller) {
    return channel.call(CatalogOperations.RESERVE_ORDERED, new Reserve(reservationId, lines), caller);
  }

  /** The reservation's state, owner and lines; 404 problem if unknown. */
  public Future<Reservation> reservation(String reservationId, Caller caller) {
    return channel.call(CatalogOperations.GET_RESERVATION, new ReservationRef(reservationId), caller);
  }

  /**
   * The commit point of an order (order service only): the owner's RESERVED reservation becomes ORDERED, after which
   * only the order service can release it. Answers the reservation as {@link #reservation} does, with its state now:
   * ORDERED means an order may be recorded for it; anything else means there is no stock behind one. Safe to repeat;
   * only the call that moved it is told {@code committedNow}.
   */
  public Future<Commit> commit(String reservationId, Caller caller) {
    return channel.call(CatalogOperations.COMMIT_RESERVATION, new CommitRef(reservationId, false), caller);
  }

  /**
   * As {@link #commit}, for the repair of an order's intent: a reservation that was never made is filed closed
   * (answered RELEASED, no lines), so that no checkout still on its way can make it once the intent is gone.
   */
  public Future<Commit> commitOrClose(String reservationId, Caller caller) {
    return channel.call(CatalogOperations.COMMIT_RESERVATION, new CommitRef(reservationId, true), caller);
  }

  /**
   * Puts a reservation's stock back; safe to repeat. {@code released} says whether this call did it; {@code state}
   * is the reservation's state now ({@code ORDERED}: an order holds it, and only the order service may release it).
   */
  public Future<Release> release(String reservationId, Caller caller) {
    return channel.call(CatalogOperations.RELEASE, new ReservationRef(reservationId), caller);
  }
}
