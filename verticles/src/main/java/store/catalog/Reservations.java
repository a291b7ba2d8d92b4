package store.catalog;

import com.datastax.oss.driver.api.core.cql.Row;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Lock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import store.catalog.CatalogRepository.StockState;
import store.catalog.CatalogRepository.StockWrite;
import store.catalog.api.CatalogOperations;
import store.catalog.api.CatalogOperations.Commit;
import store.platform.Caller;
import store.platform.Cql;
import store.platform.Loops;
import store.platform.ProblemException;
import store.platform.Spans;

/**
 * Stock reservations, the only way stock leaves or comes back to the shelf. A reservation's row is its state:
 * <pre>
 *   PENDING ──► RESERVED ──► ORDERED          (an order was recorded for it: the commit point)
 *      │  │         │          ▲  │
 *      │  └─────────┼──────────┘  │            (a checkout's own reservation: ORDERED in the same move)
 *      ▼            └─► RELEASING ◄┘ ──► RELEASED   (stock given back, each line once)
 *   ABANDONED ─────────────────────────► RELEASED   (a reservation cut short, undone by the sweeper)
 * </pre>
 * Every line's stock move leaves a marker in the product's row ({@link StockMove}), so a crash at any point leaves
 * something the {@link #sweep sweeper} can finish or undo, and the stock audit can account for. RESERVED and
 * ORDERED exclude each other on the reservation row: a reservation the cart gives up can never also become an
 * order, and an order's stock can only be released by the order service.
 */
final class Reservations {
  static final String SWEEPER = "reservation-sweeper";
  private static final int CAS_ATTEMPTS = 20;
  /**
   * How long (× 100 ms) a reservation waits for another attempt with the same id to finish before taking it over:
   * less than a caller's timeout (3 s by default), so the caller hears the outcome.
   */
  private static final int PENDING_WAITS = 20;
  private static final String ORDER_SERVICE = "system:order";
  private static final Duration CLOCK_SKEW = Duration.ofMinutes(2);

  /** How long a release waits for one already under way: 200 reads 10 ms apart. */
  private static final int RELEASE_POLLS = 200;
  /** How long settled markers wait for the product's next move before they are cleared on their own (ms). */
  private static final long MARKER_FLUSH_MS = 1_000;
  /** A stock write whose outcome Cassandra could not confirm: the row must be read to know. */
  private static final StockWrite UNKNOWN = new StockWrite(false, null);
  private final SettledMarkers settledMarkers = new SettledMarkers();
  /**
   * Each product's stock row as this process last saw it, so that a move of a product in demand (serialised by its
   * lock) is one compare-and-set, not a read and a compare-and-set. Kept briefly: another replica's moves make it
   * stale, and a stale one costs a failed compare-and-set.
   */
  private final Cache<UUID, StockState> knownStock = Caffeine.newBuilder()
      .maximumSize(10_000).expireAfterWrite(Duration.ofSeconds(2)).build();
  /** Products with a flush of their settled markers scheduled. */
  private final Set<UUID> markerFlushes = ConcurrentHashMap.newKeySet();
  private final Vertx vertx;
  private final CatalogRepository repository;
  private final CatalogService catalog;
  private final MeterRegistry registry;

  Reservations(Vertx vertx, CatalogRepository repository, CatalogService catalog, MeterRegistry registry) {
    this.vertx = vertx;
    this.repository = repository;
    this.catalog = catalog;
    this.registry = registry;
  }

  // ---- reserving ----

  /**
   * Reserves every line or none. The reservation id makes it idempotent: a retry of a reservation that succeeded
   * answers the same lines again and takes nothing more. Each line is taken by a compare-and-set, all lines at once;
   * if one cannot be filled, the lines taken are put back before the failure is reported.
   */
  Future<JsonObject> reserve(String reservationId, List<Line> lines, String owner) {
    return Spans.around("catalog.reserve", () -> reserve(reservationId, lines, owner, reservedEnding));
  }

  /**
   * Reserves every line or none, as {@link #reserve}, for an order whose intent the order service has filed: the
   * reservation goes from PENDING straight to ORDERED, so it is committed by the same compare-and-set that closes it
   * (a checkout's commit point, as {@link #commit}). A retry of one already ORDERED answers it as {@link #commit}
   * does, and one RESERVED by the earlier two-step checkout is committed.
   */
  Future<Commit> reserveOrdered(String reservationId, List<Line> lines, Caller caller) {
    return Spans.around("catalog.reserve-ordered",
        () -> reserve(reservationId, lines, caller.username(), orderedEnding(caller)));
  }

  private <T> Future<T> reserve(String reservationId, List<Line> lines, String owner, Ending<T> ending) {
    List<Line> merged = Line.merge(lines);
    // one order for every attempt: the answer's lines, and which line's refusal is reported when several fail
    merged.sort(Comparator.comparing(Line::productId));
    return claimAndTake(reservationId, merged, Line.toJson(merged).encode(), owner, PENDING_WAITS, ending);
  }

  /** Where a reservation goes once its lines are taken, and what its caller is answered. */
  private interface Ending<T> {
    /** PENDING → the end state, with the lines as taken: the answer, or null when the reservation moved on first. */
    Future<T> settle(String reservationId, JsonArray taken);

    /** The answer for a reservation met RESERVED or ORDERED already (a retry). */
    Future<T> met(String reservationId);
  }

  /** RESERVED: the caller has the order made later ({@link #commit}), or gives the stock back. */
  private final Ending<JsonObject> reservedEnding = new Ending<>() {
    @Override
    public Future<JsonObject> settle(String reservationId, JsonArray taken) {
      return settleState(reservationId, "PENDING", "RESERVED", taken.encode())
          .map(moved -> moved ? reservedAnswer(reservationId, taken) : null);
    }

    @Override
    public Future<JsonObject> met(String reservationId) {
      return repository.reservation(reservationId).map(row -> reservedAnswer(reservationId,
          new JsonArray(row.getString("lines"))));
    }
  };

  /** ORDERED at once: the order's commit point, for its owner. */
  private Ending<Commit> orderedEnding(Caller caller) {
    return new Ending<>() {
      @Override
      public Future<Commit> settle(String reservationId, JsonArray taken) {
        Instant orderedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS); // kept with ORDERED, as commit does
        return repository.orderPendingReservation(reservationId, caller.username(), taken.encode(), orderedAt)
            .map(moved -> !moved ? null
                : committed(describe(reservationId, "ORDERED", caller.username(), taken), true, orderedAt))
            // not known whether it moved: ORDERED now is this checkout's (only its owner orders a reservation), but
            // not known to be this call's doing, so the order's row is not written as new
            .recover(e -> !Cql.unknownOutcome(e) ? Future.failedFuture(e)
                : repository.settledReservation(reservationId).map(row -> row == null
                    || !"ORDERED".equals(row.getString("state")) ? null
                    : committed(describe(row), false, row.getInstant("ordered_at"))));
      }

      @Override
      public Future<Commit> met(String reservationId) {
        return commit(reservationId, caller, false);
      }
    };
  }

  private <T> Future<T> claimAndTake(String reservationId, List<Line> lines, String requested, String owner,
      int waits, Ending<T> ending) {
    Instant now = Instant.now();
    // filed under its minute before any stock moves, so the sweeper finds it whatever happens next
    Future<CatalogRepository.Claim> claim = repository.claimReservation(reservationId, requested, owner, now);
    return Future.all(claim, repository.index(reservationId, now)).map(v -> claim.result()).compose(existing -> {
      if (existing == null) {
        return takeAll(reservationId, lines, ending);
      }
      if (!owner.equals(existing.owner())) {
        return Future.failedFuture(ProblemException.conflict("Reservation " + reservationId + " is taken"));
      }
      if ("RESERVED".equals(existing.state()) || "ORDERED".equals(existing.state())) {
        return ending.met(reservationId);
      }
      if ("PENDING".equals(existing.state()) && waits > 0) {
        // typically a transport retry meeting its own first attempt: wait for that attempt's outcome
        return vertx.timer(100, TimeUnit.MILLISECONDS)
            .compose(v -> claimAndTake(reservationId, lines, requested, owner, waits - 1, ending));
      }
      if ("PENDING".equals(existing.state()) || "ABANDONED".equals(existing.state())) {
        return takeOver(reservationId, existing.state())
            .compose(closed -> closed ? Future.failedFuture(closed(reservationId, "RELEASED"))
                : claimAndTake(reservationId, lines, requested, owner, 0, ending));
      }
      if ("RELEASED".equals(existing.state())) {
        return Future.failedFuture(closed(reservationId, existing.state()));
      }
      return Future.failedFuture(ProblemException.conflict("Reservation " + reservationId + " is "
          + existing.state()));
    });
  }

  /**
   * The same reservation asked for again (its checkout retried) while an earlier attempt still leaves it PENDING after
   * the waits: that attempt is gone or stuck (say its claim landed but the answer was lost, so it never took stock).
   * Rather than refuse every retry until the sweeper's bound, the retry does the sweeper's work on this one
   * reservation now: abandoned, whatever it took put back. The caller then moves on to a fresh reservation. An
   * attempt still running finds it abandoned at its end and puts back its own takes; the markers make each line go
   * back once. True when the reservation is closed now; false when it moved on meanwhile (to be read again).
   */
  private Future<Boolean> takeOver(String reservationId, String state) {
    Future<Boolean> abandoned = "PENDING".equals(state)
        ? settleState(reservationId, "PENDING", "ABANDONED", null) : Future.succeededFuture(true);
    return abandoned.compose(moved -> !moved ? Future.succeededFuture(false)
        : repository.reservation(reservationId).compose(row -> row == null ? Future.succeededFuture(false)
            : abandon(reservationId, row.getString("lines")).map(true)));
  }

  private static ProblemException closed(String reservationId, String state) {
    return new ProblemException(409, CatalogOperations.RESERVATION_CLOSED, "Reservation closed",
        "Reservation " + reservationId + " is " + state + ": its stock went back, and no order can be made under it");
  }

  private <T> Future<T> takeAll(String reservationId, List<Line> lines, Ending<T> ending) {
    return eachLine(lines, line -> take(reservationId, line)).compose(
        taken -> ending.settle(reservationId, new JsonArray(taken)).compose(answer -> {
          if (answer == null) { // the sweeper gave up on it meanwhile: undo (the markers make each line go back once)
            return undoTakes(reservationId, lines).transform(ignored -> Future.failedFuture(
                ProblemException.unavailable("Reservation " + reservationId + " expired; try again")));
          }
          clearMarkersLater(reservationId, lines.stream().map(Line::productId).toList(), false);
          return Future.succeededFuture(answer);
        }),
        // a refusal (stock short, product gone): every line's outcome is known, so put back and free the id. Storage
        // trouble: a write may still land after its timeout, so put back what can be and leave the row PENDING: the
        // sweeper abandons it later and undoes whatever landed meanwhile
        failure -> undoTakes(reservationId, lines)
            .compose(v -> failure instanceof ProblemException refusal && refusal.status() < 500
                ? repository.forgetReservation(reservationId) : Future.succeededFuture())
            .transform(ignored -> Future.failedFuture(failure)));
  }

  /** Takes one line's stock; answers the line with the catalog's name and price, or fails when it cannot be had. */
  private Future<JsonObject> take(String reservationId, Line line) {
    return catalog.get(line.productId()).recover(e -> Future.failedFuture(
            e instanceof ProblemException p && p.status() == 404
                ? ProblemException.notFound("Product " + line.productId() + " not found") : e))
        .compose(product -> move(line.productId(), reservationId, StockMove.TAKE, line.quantity()).map(ok -> {
          if (!ok) {
            throw new ProblemException(409, "insufficient-stock", "Not enough stock",
                "Not enough items in stock: " + product.getString("name"));
          }
          return new JsonObject().put("product_id", line.productId().toString())
              .put("name", product.getString("name")).put("price", product.getValue("price"))
              .put("quantity", line.quantity());
        }));
  }

  /**
   * Runs {@code step} for every line at once, and answers once every one has finished: the results in the lines'
   * order, or the first failure in that order. A reservation's lines are distinct products and a move holds only its
   * own product's lock, so a checkout of three products waits for one compare-and-set instead of three in a row.
   * Waiting for all of them means what follows a failure (putting back) never overtakes a move still on its way.
   */
  private static <T> Future<List<T>> eachLine(List<Line> lines, Function<Line, Future<T>> step) {
    List<Future<T>> steps = lines.stream().map(step).toList();
    return Future.join(steps).transform(all -> {
      for (Future<T> done : steps) {
        if (done.failed()) {
          return Future.failedFuture(done.cause());
        }
      }
      return Future.succeededFuture(steps.stream().map(Future::result).toList());
    });
  }

  private static JsonObject reservedAnswer(String reservationId, JsonArray lines) {
    return new JsonObject().put("reservation_id", reservationId).put("lines", lines);
  }

  /**
   * A reservation: its owner, state, and the lines with the catalog's names and prices at the time stock was taken.
   * Only its owner (or a service's own background work) may see it; to anyone else it does not exist.
   */
  Future<JsonObject> reservation(String reservationId, Caller caller) {
    return repository.reservation(reservationId).compose(row -> row == null
        || !caller.isSystem() && !caller.username().equals(row.getString("owner"))
        ? Future.failedFuture(ProblemException.notFound("No reservation " + reservationId))
        : Future.succeededFuture(describe(row)));
  }

  private static JsonObject describe(Row row) {
    return describe(row.getString("reservation_id"), row.getString("state"), row.getString("owner"),
        new JsonArray(row.getString("lines")));
  }

  private static JsonObject describe(String reservationId, String state, String owner, JsonArray lines) {
    return new JsonObject().put("reservation_id", reservationId).put("state", state).put("owner", owner)
        .put("lines", lines);
  }

  /**
   * The commit point of an order: RESERVED → ORDERED, for the reservation's owner. Answers the reservation as
   * {@link #reservation} does, with the state it has now: ORDERED when this or an earlier call committed it; anything
   * else means there is no stock behind an order (it was released). Only the call whose compare-and-set moved it is
   * told it committed it. A reservation never made is a 404, or filed closed when {@code closeUnmade}.
   */
  Future<Commit> commit(String reservationId, Caller caller, boolean closeUnmade) {
    // the lines are read beside the compare-and-set, not before it: they are written with RESERVED, never changed
    Future<Row> read = repository.reservation(reservationId);
    // kept with ORDERED, so that a repeat, or a repair of this order, answers the time this call chose
    Instant orderedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    Future<Boolean> moved = repository.orderReservation(reservationId, caller.username(), orderedAt)
        .recover(e -> Cql.unknownOutcome(e) ? Future.succeededFuture(false) : Future.failedFuture(e));
    return Future.all(read, moved).compose(both -> {
      if (moved.result() && read.result() != null) {
        return Future.succeededFuture(committed(describe(read.result()).put("state", "ORDERED"), true, orderedAt));
      }
      // not moved by this call, or not known to be: the row as it is now (any Paxos round on it finished) says
      return repository.settledReservation(reservationId).compose(row -> row == null && closeUnmade
          ? closeUnmade(reservationId, caller) : row == null || !caller.username().equals(row.getString("owner"))
          ? Future.failedFuture(ProblemException.notFound("No reservation " + reservationId))
          : Future.succeededFuture(committed(describe(row), false, row.getInstant("ordered_at"))));
    });
  }

  /**
   * A commit of a reservation that was never made, for the repair of an order intent whose checkout stopped before it
   * reserved ({@code closeUnmade}): no order can be made for it, so it is filed closed, and a checkout still on its
   * way to reserve it is refused as closed ({@link CatalogOperations#RESERVATION_CLOSED}) and moves on to its next
   * attempt.
   */
  private Future<Commit> closeUnmade(String reservationId, Caller caller) {
    return repository.closeUnmadeReservation(reservationId, caller.username(), Instant.now())
        .compose(closed -> closed
            ? Future.succeededFuture(committed(describe(reservationId, "RELEASED", caller.username(), new JsonArray()),
                false, null))
            : commit(reservationId, caller, false)); // made meanwhile: its row answers
  }

  private static Commit committed(JsonObject reservation, boolean now, Instant orderedAt) {
    return new Commit(CatalogOperations.Reservation.fromJson(reservation), now, orderedAt);
  }

  // ---- releasing ----

  /**
   * Gives back what a reservation took, once. Its owner (the cart giving up a checkout) may release it while it is
   * RESERVED; once ORDERED, only the order service may (cancelling the order): the answer then says
   * {@code "state": "ORDERED"}, which tells the cart that the order exists.
   */
  Future<JsonObject> release(String reservationId, Caller caller) {
    return repository.reservation(reservationId).compose(row -> {
      if (row != null && !caller.isSystem() && !caller.username().equals(row.getString("owner"))) {
        return Future.failedFuture(ProblemException.notFound("No reservation " + reservationId));
      }
      if (row == null) {
        return Future.succeededFuture(released(reservationId, false, null));
      }
      String state = row.getString("state");
      boolean mayRelease = "RESERVED".equals(state) || "ORDERED".equals(state) && ORDER_SERVICE.equals(caller.username());
      if (!mayRelease) {
        return awaitRelease(reservationId, state, RELEASE_POLLS);
      }
      return settleState(reservationId, state, "RELEASING", null).compose(moved -> !moved
          ? repository.reservation(reservationId)
              .compose(now -> awaitRelease(reservationId, now.getString("state"), RELEASE_POLLS))
          : finishRelease(reservationId, row.getString("lines")).map(v -> released(reservationId, true, "RELEASED")));
    });
  }

  /**
   * Another release of the same reservation is under way (a cancel and the order's durable retry timer both ask):
   * waits for it, so this answer too means the stock is back. It only reads: the lines are that release's to move.
   * If the other does not finish within a moment (its process died), the answer says RELEASING and the sweeper
   * finishes it.
   */
  private Future<JsonObject> awaitRelease(String reservationId, String state, int polls) {
    if (!"RELEASING".equals(state) || polls == 0) {
      return Future.succeededFuture(released(reservationId, false, state));
    }
    io.vertx.core.Promise<Long> pause = io.vertx.core.Promise.promise();
    vertx.setTimer(10, pause::complete);
    return pause.future().compose(t -> repository.reservation(reservationId))
        .compose(now -> awaitRelease(reservationId, now == null ? null : now.getString("state"), polls - 1));
  }

  private static JsonObject released(String reservationId, boolean released, String state) {
    return new JsonObject().put("reservation_id", reservationId).put("released", released).put("state", state);
  }

  /** RELEASING → RELEASED: every line returned (each once, by its marker), then the state recorded. */
  private Future<Void> finishRelease(String reservationId, String lines) {
    List<Line> toReturn = Line.fromJson(new JsonArray(lines));
    return eachLine(toReturn, line -> move(line.productId(), reservationId, StockMove.RETURN, line.quantity()))
        .compose(v -> settleState(reservationId, "RELEASING", "RELEASED", null)).map(moved -> {
          clearMarkersLater(reservationId, toReturn.stream().map(Line::productId).toList(), true);
          return null;
        });
  }

  private Future<Void> undoTakes(String reservationId, List<Line> lines) {
    return eachLine(lines, line -> move(line.productId(), reservationId, StockMove.UNDO_TAKE, 0)).mapEmpty();
  }

  // ---- one line's stock ----

  /**
   * Moves one line's stock by compare-and-set, exactly once per (reservation, product, kind): the product's marker
   * says whether it already happened, which also settles a write whose outcome Cassandra could not confirm. Within
   * this process the moves of one product are serialised by a local lock, so concurrent checkouts don't fight in
   * Paxos; across replicas the compare-and-set alone keeps the count right. False when the stock is short.
   */
  Future<Boolean> move(UUID productId, String reservationId, StockMove kind, int quantity) {
    AtomicInteger written = new AtomicInteger(-1); // the count this call's write left, if one applied
    return productLock(productId)
        .compose(lock -> attempt(productId, reservationId, kind, quantity, 1, written,
            knownStock.getIfPresent(productId)).andThen(ar -> {
              // still under the lock: no other move of this process can come between the write and the cache
              if (written.get() >= 0) {
                catalog.stockMoved(productId, written.get());
              } else {
                catalog.forget(productId);
              }
              lock.release();
            }));
  }

  private Future<Lock> productLock(UUID productId) {
    return CatalogService.stockLock(vertx, productId);
  }

  /**
   * One compare-and-set of the move. {@code known}: the row as this process last saw it (its own last write, or what
   * a failed compare-and-set found), used instead of reading the row; null to read it. The compare-and-set checks
   * it, so a stale one costs a failed attempt, never a wrong count. A move that needs no write (done already, stock
   * short) is only ever decided on a row just read.
   */
  private Future<Boolean> attempt(UUID productId, String reservationId, StockMove kind, int quantity, int attempt,
      AtomicInteger written, StockState known) {
    return stockRow(productId, known).compose(state -> {
      if (state == null) { // a product deleted meanwhile: nothing to take, and nothing to give back to it
        return kind == StockMove.TAKE
            ? Future.failedFuture(ProblemException.notFound("Product " + productId + " not found"))
            : Future.succeededFuture(true);
      }
      Boolean outcome = outcomeWithoutWrite(state, reservationId, kind, quantity);
      if (outcome != null) {
        return known != null ? attempt(productId, reservationId, kind, quantity, attempt, written, null)
            : Future.succeededFuture(outcome);
      }
      int amount = kind == StockMove.UNDO_TAKE ? state.holds().get(reservationId) : quantity;
      CatalogRepository.Settled settled = settledMarkers.of(productId);
      int left = kind.after(state.count(), amount);
      return repository.moveStock(productId, state, kind, reservationId, amount, settled)
          .recover(e -> Cql.unknownOutcome(e) ? Future.succeededFuture(UNKNOWN) : Future.failedFuture(e))
          .compose(write -> {
            remember(productId, write.now());
            if (write.applied()) {
              settledMarkers.cleared(productId, settled);
              written.set(left);
              return Future.succeededFuture(true);
            }
            if (attempt >= CAS_ATTEMPTS) {
              return Future.failedFuture(ProblemException.unavailable("Stock of " + productId + " is too contended"));
            }
            // the row as the failed write found it (read again when unknown): its markers tell what happened
            return attempt(productId, reservationId, kind, quantity, attempt + 1, written, write.now());
          });
    });
  }

  /**
   * Whether the move is settled without a write, on this state of the row: true when done already (its marker says
   * so) or nothing to undo; false when the stock is short; null when it needs a write.
   */
  private static Boolean outcomeWithoutWrite(StockState state, String reservationId, StockMove kind,
      int quantity) {
    return switch (kind) {
      case TAKE -> state.holds().containsKey(reservationId) ? Boolean.TRUE // taken by an attempt whose answer was lost
          : state.count() < quantity ? Boolean.FALSE : null;
      case UNDO_TAKE -> state.holds().containsKey(reservationId) ? null : Boolean.TRUE; // never taken, or put back
      case RETURN -> state.returns().containsKey(reservationId) ? Boolean.TRUE : null;
    };
  }

  private void remember(UUID productId, StockState now) {
    if (now == null) {
      knownStock.invalidate(productId);
    } else {
      knownStock.put(productId, now);
    }
  }

  /**
   * A reservation's state change by compare-and-set; when Cassandra cannot say whether it applied, the row is read
   * back before anyone is told anything. True when the row is now in {@code to} because of this call or an earlier
   * attempt of it.
   */
  private Future<Boolean> settleState(String reservationId, String from, String to, String lines) {
    Future<Boolean> change = lines == null ? repository.moveReservation(reservationId, from, to)
        : repository.moveReservation(reservationId, from, to, lines);
    return change.recover(e -> !Cql.unknownOutcome(e) ? Future.failedFuture(e)
        : repository.settledReservation(reservationId).map(row -> row != null && to.equals(row.getString("state"))));
  }

  // ---- markers of settled reservations ----

  /**
   * Markers of settled reservations are only bookkeeping: cleared after the answer (and by the sweeper if not). They
   * are queued per product and go with the product's next stock move, in the same write; a product not moved again
   * within {@link #MARKER_FLUSH_MS} has them cleared by a write of their own. {@code returnsToo}: the reservation is
   * RELEASED, so its return markers go as well; before that they are what says a line's stock is back.
   */
  private void clearMarkersLater(String reservationId, List<UUID> products, boolean returnsToo) {
    for (UUID id : products) {
      settledMarkers.add(id, reservationId, returnsToo);
      if (markerFlushes.add(id)) {
        vertx.setTimer(MARKER_FLUSH_MS, t -> flushMarkers(id));
      }
    }
  }

  /** The product was not moved since its markers were queued: clear them now, under its lock. */
  private void flushMarkers(UUID productId) {
    markerFlushes.remove(productId); // from now on, a newly queued marker schedules a flush of its own
    if (!settledMarkers.any(productId)) {
      return;
    }
    productLock(productId)
        .compose(lock -> clearQueued(productId, 1, knownStock.getIfPresent(productId))
            .andThen(ar -> lock.release()))
        .onFailure(e -> {
          if (markerFlushes.add(productId)) { // Cassandra trouble, or contention: again later
            vertx.setTimer(MARKER_FLUSH_MS * 5, t -> flushMarkers(productId));
          }
        });
  }

  /** The product's stock row: as this process last saw it when {@code known} is given, else read now. */
  private Future<StockState> stockRow(UUID productId, StockState known) {
    return known != null ? Future.succeededFuture(known) : repository.stockState(productId);
  }

  /** Clears the queued markers by compare-and-set; {@code known} as in {@link #attempt}. */
  private Future<Void> clearQueued(UUID productId, int attempt, StockState known) {
    CatalogRepository.Settled settled = settledMarkers.of(productId);
    if (settled.isEmpty()) {
      return Future.succeededFuture();
    }
    return stockRow(productId, known).compose(state -> {
      if (state == null || !settled.anyIn(state)) { // the product is gone, or the markers were never written here
        if (known != null) {
          return clearQueued(productId, attempt, null); // decided on the row just read, never on what was known
        }
        settledMarkers.cleared(productId, settled);
        return Future.succeededFuture();
      }
      return repository.clearMarkers(productId, state, settled).compose(write -> {
        remember(productId, write.now());
        if (write.applied()) {
          settledMarkers.cleared(productId, settled);
          return Future.succeededFuture();
        }
        return attempt >= CAS_ATTEMPTS ? Future.failedFuture("markers of " + productId + " too contended")
            : clearQueued(productId, attempt + 1, write.now());
      });
    });
  }

  // ---- the sweeper ----

  /**
   * Finishes or undoes every reservation made before {@code cutoff} that is not settled: PENDING (cut short by a
   * crash) is abandoned and its taken lines put back; RESERVED that no order committed is released; RELEASING is
   * finished. Reads the per-minute index from where the last sweep stopped, so its cost follows the rate of
   * reservations, not the size of the table. Answers how many reservations it settled.
   */
  Future<Integer> sweep(Instant cutoff) {
    return sweep(cutoff, () -> false);
  }

  /** As {@link #sweep(Instant)}, ending early once stop is asked: the rest is left for the next sweep. */
  Future<Integer> sweep(Instant cutoff, BooleanSupplier stopAsked) {
    return repository.doneUntil(SWEEPER)
        .compose(done -> done != null ? Future.succeededFuture(done)
            : repository.firstSweepFrom(cutoff, CLOCK_SKEW))
        .compose(start -> Loops.until(new Sweep(start.truncatedTo(ChronoUnit.MINUTES), true, 0),
            sweep -> sweep.minute().isAfter(cutoff) || stopAsked.getAsBoolean(),
            sweep -> sweepMinute(sweep, cutoff, stopAsked)).map(Sweep::settled));
  }

  /** Where a sweep stands: the next minute to read, whether every minute before it is settled, and the count. */
  private record Sweep(Instant minute, boolean contiguous, int settled) {
  }

  private Future<Sweep> sweepMinute(Sweep sweep, Instant cutoff, BooleanSupplier stopAsked) {
    Instant minute = sweep.minute();
    boolean contiguous = sweep.contiguous();
    return repository.madeIn(minute).compose(ids -> {
      Future<int[]> chain = Future.succeededFuture(new int[2]); // [settled now, still open]
      for (String id : ids) {
        // once stop is asked the rest count as still open: this minute is not marked done
        chain = chain.compose(counts -> (stopAsked.getAsBoolean() ? Future.succeededFuture(Outcome.OPEN)
            : settle(id, cutoff)).map(outcome -> {
          if (outcome == Outcome.SETTLED) {
            counts[0]++;
          } else if (outcome == Outcome.OPEN) {
            counts[1]++;
          }
          return counts;
        }).otherwise(e -> {
          counts[1]++; // e.g. a product's row unreachable: tried again next time
          return counts;
        }));
      }
      return chain;
    }).compose(counts -> {
      Instant next = minute.plus(1, ChronoUnit.MINUTES);
      // the mark trails by CLOCK_SKEW: a process with a late clock may still file a reservation under that minute
      boolean closed = !next.isAfter(cutoff.minus(CLOCK_SKEW)) && counts[1] == 0;
      Future<Void> progress = contiguous && closed ? repository.setDoneUntil(SWEEPER, next) : Future.succeededFuture();
      return progress.map(v -> new Sweep(next, contiguous && closed, sweep.settled() + counts[0]));
    });
  }

  private enum Outcome { SETTLED, ALREADY_FINAL, OPEN }

  private Future<Outcome> settle(String reservationId, Instant cutoff) {
    return repository.reservation(reservationId).compose(row -> {
      if (row == null) {
        return Future.succeededFuture(Outcome.ALREADY_FINAL); // a failed attempt, undone and forgotten
      }
      if (!row.getInstant("created_at").isBefore(cutoff)) {
        return Future.succeededFuture(Outcome.OPEN);
      }
      String state = row.getString("state");
      String lines = row.getString("lines");
      List<UUID> products = Line.fromJson(new JsonArray(lines)).stream().map(Line::productId).toList();
      if ("RELEASED".equals(state)) {
        return undoLateTakes(reservationId, products).map(v -> {
          clearMarkersLater(reservationId, products, true);
          return Outcome.ALREADY_FINAL;
        });
      }
      Future<Void> work = switch (state) {
        case "PENDING" -> settleState(reservationId, "PENDING", "ABANDONED", null).compose(moved -> moved
            ? abandon(reservationId, lines) : Future.failedFuture("reservation " + reservationId + " moved on"));
        case "ABANDONED" -> abandon(reservationId, lines);
        case "RESERVED" -> settleState(reservationId, "RESERVED", "RELEASING", null).compose(moved -> moved
            ? finishRelease(reservationId, lines) : Future.failedFuture("reservation " + reservationId + " moved on"));
        case "RELEASING" -> finishRelease(reservationId, lines);
        default -> { // ORDERED: settled; only its holds may be left (a later release's returns are not its)
          clearMarkersLater(reservationId, products, false);
          yield null;
        }
      };
      if (work == null) {
        return Future.succeededFuture(Outcome.ALREADY_FINAL);
      }
      return work.map(v -> {
        registry.counter("reservations_swept", "from", state).increment();
        return Outcome.SETTLED;
      });
    });
  }

  /**
   * A hold with no return beside it, on a released reservation: taken by an attempt that ran on after the reservation
   * was abandoned under it ({@link #takeOver}) and could not put it back itself. A normal release leaves a return.
   */
  private Future<Void> undoLateTakes(String reservationId, List<UUID> products) {
    Future<Void> chain = Future.succeededFuture();
    for (UUID product : products) {
      chain = chain.compose(v -> repository.stockState(product).compose(state -> state != null
          && state.holds().containsKey(reservationId) && !state.returns().containsKey(reservationId)
          ? move(product, reservationId, StockMove.UNDO_TAKE, 0).mapEmpty() : Future.succeededFuture()));
    }
    return chain;
  }

  /** ABANDONED → RELEASED: whatever its lines hold goes back (the markers say what was taken). */
  private Future<Void> abandon(String reservationId, String requestedLines) {
    List<Line> lines = Line.fromJson(new JsonArray(requestedLines));
    return undoTakes(reservationId, lines)
        .compose(v -> settleState(reservationId, "ABANDONED", "RELEASED", null)).mapEmpty();
  }

  /** Runs {@code work} only while holding the named lease, so one replica sweeps at a time. */
  Future<Boolean> whileLeased(String holder, int seconds, Supplier<Future<?>> work) {
    return repository.lease(SWEEPER, holder, seconds)
        .compose(held -> held ? work.get().map(true) : Future.succeededFuture(false));
  }

  // ---- lines ----

  /** One line of a reservation. */
  record Line(UUID productId, int quantity) {
    /** The most lines one reservation (one order) may have. */
    static final int MAX_LINES = 100;

    /** One line per product (quantities of repeated ids added up), at most {@link #MAX_LINES}. */
    static List<Line> merge(List<Line> lines) {
      Map<UUID, Integer> quantities = new LinkedHashMap<>();
      lines.forEach(l -> quantities.merge(l.productId(), l.quantity(), Integer::sum));
      if (quantities.size() > MAX_LINES) {
        throw ProblemException.invalidField("items", "an order may have at most " + MAX_LINES + " products");
      }
      List<Line> merged = new ArrayList<>();
      quantities.forEach((id, q) -> merged.add(new Line(id, q)));
      return merged;
    }

    static JsonArray toJson(List<Line> lines) {
      JsonArray array = new JsonArray();
      lines.forEach(l -> array.add(new JsonObject().put("product_id", l.productId().toString())
          .put("quantity", l.quantity())));
      return array;
    }

    /** Lines as a reservation row stores them (requested, or taken with names and prices). */
    static List<Line> fromJson(JsonArray lines) {
      return lines.stream().map(o -> (JsonObject) o)
          .map(l -> new Line(UUID.fromString(l.getString("product_id")), l.getInteger("quantity"))).toList();
    }
  }
}
