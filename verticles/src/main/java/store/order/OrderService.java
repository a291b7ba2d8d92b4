package store.order;

import com.datastax.oss.driver.api.core.cql.Row;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import store.catalog.api.CatalogClient;
import store.catalog.api.CatalogOperations;
import store.catalog.api.CatalogOperations.Commit;
import store.catalog.api.CatalogOperations.Line;
import store.order.OrderRepository.Cursor;
import store.order.OrderRepository.ListRow;
import store.order.api.OrderOperations;
import store.platform.Caller;
import store.platform.Loops;
import store.platform.ProblemException;
import store.platform.Spans;
import store.user.api.UserClient;

/**
 * Orders and their lifecycle. Every status change is a compare-and-set in Cassandra, followed by a notification to
 * the user service and, while the order is not final, a durable timer for the next step.
 */
public final class OrderService {
  private static final Logger LOG = LoggerFactory.getLogger(OrderService.class);
  private static final Caller SELF = Caller.system("order");
  private static final Duration NOTIFY_RETRY = Duration.ofSeconds(5);
  static final String INTENT_REPAIR = "intent-repair";
  private static final String TIMERS = "timers";
  private static final Duration CLOCK_SKEW = Duration.ofMinutes(2);
  /** The oldest minute whose timers may not all have fired (per process; persisted every 10 minutes). */
  private Instant timersFrom;

  private final OrderRepository repository;
  private final CatalogClient catalog;
  private final UserClient users;
  private final Lifecycle delays;
  private final MeterRegistry registry;
  private final Counter created;
  private final Timer deliveryTime;

  /** The lifecycle's delays. */
  public record Lifecycle(long processingMs, long shippingMs, long deliveryMinMs, long deliveryMaxMs,
      long retentionMs) {
    /** The wait before {@code next}; a delivery's is drawn from the order id, so it is the same on every repeat. */
    Duration delayBefore(OrderStatus next, UUID orderId) {
      return Duration.ofMillis(switch (next) {
        case PROCESSING -> processingMs;
        case SHIPPING -> shippingMs;
        case DELIVERED -> deliveryMinMs >= deliveryMaxMs ? deliveryMinMs
            : deliveryMinMs + Math.floorMod(orderId.getLeastSignificantBits(), deliveryMaxMs - deliveryMinMs + 1);
        default -> 0;
      });
    }
  }

  OrderService(OrderRepository repository, CatalogClient catalog, UserClient users, Lifecycle delays,
      MeterRegistry registry) {
    this.repository = repository;
    this.catalog = catalog;
    this.users = users;
    this.delays = delays;
    this.registry = registry;
    this.created = Counter.builder("orders_created").description("Orders created").register(registry);
    this.deliveryTime = Timer.builder("order_delivery_time").description("From creation to delivery")
        .publishPercentileHistogram().register(registry);
  }

  Future<Void> start(String instance) {
    return repository.moveLegacyTimers().compose(v -> repository.copyIntoLists(instance));
  }

  // ---- creating ----

  /**
   * Records an order for stock the catalog has reserved for the caller under {@code order:<orderId>}. The lines, names
   * and prices are the catalog's reservation, never what the calling service says. Idempotent by order id.
   *
   * <p>The reservation's RESERVED → ORDERED move at the catalog is the commit point: before it the cart may still
   * release the stock (and then no order can be recorded), after it the order exists even if this process dies
   * before writing its row. An intent filed first lets {@link #repairIntents} write that row later.
   */
  public Future<JsonObject> createReserved(Caller caller, UUID orderId, String reservationId) {
    if (!("order:" + orderId).equals(reservationId)) {
      return Future.failedFuture(ProblemException.invalidField("reservation_id", "must be order:<order_id>"));
    }
    Instant now = Instant.now();
    return repository.recordIntent(orderId, reservationId, caller.username(), now)
        .compose(v -> catalog.commit(reservationId, caller))
        .compose(commit -> record(caller, orderId, reservationId, commit))
        .onSuccess(order -> repository.dropIntent(now, orderId));
  }

  /** The order of a commit's answer: recorded when ORDERED; otherwise there is no stock behind it. */
  private Future<JsonObject> record(Caller caller, UUID orderId, String reservationId, Commit commit) {
    String state = commit.reservation().state();
    if (!"ORDERED".equals(state)) {
      // a retry of an order since cancelled finds its order; anything else has no stock behind it
      return repository.find(orderId).compose(row -> row != null && row.getString("username")
          .equals(caller.username()) ? Future.succeededFuture(OrderRepository.toJson(row))
          : Future.failedFuture(ProblemException.conflict("Reservation " + reservationId + " is " + state)));
    }
    return create(caller, orderId, reservationId, commit);
  }

  /**
   * Places order {@code orderId} for {@code lines}: files its intent, then has the catalog reserve the lines and
   * commit them in one move ({@link CatalogClient#reserveOrdered}), then records the order. Idempotent by order id.
   *
   * <p>The intent comes first because the reservation is committed the moment its stock is taken: a crash after that
   * leaves an ORDERED reservation, and its intent is how {@link #repairIntents} finds it and records the order. An
   * intent whose reservation is still PENDING is left for a later pass; one whose reservation was never made has
   * it filed closed by the repair, so a checkout still on its way cannot make the order behind the repair's back.
   */
  public Future<JsonObject> placeReserving(Caller caller, UUID orderId, JsonArray lines) {
    String reservationId = "order:" + orderId;
    Instant now = Instant.now();
    return repository.recordIntent(orderId, reservationId, caller.username(), now)
        .compose(v -> catalog.reserveOrdered(reservationId, lines, caller).recover(refused -> {
          // refused (stock short, the reservation closed): nothing was ordered, and nothing will be under this try
          if (refused instanceof ProblemException p && p.status() < 500) {
            repository.dropIntent(now, orderId);
          }
          return Future.failedFuture(refused);
        }))
        .compose(commit -> record(caller, orderId, reservationId, commit))
        .onSuccess(order -> repository.dropIntent(now, orderId));
  }

  /**
   * Records the order of a reservation the catalog has committed; idempotent by order id. When this call's commit
   * made the order ({@code committedNow}), its row is written without a compare-and-set ({@link
   * OrderRepository#insert}). The order is created at the commit's time: a checkout that stalls after its commit and
   * the repair of its intent (or a retry) then write the same row, list rows, notification and first timer, never two.
   */
  Future<JsonObject> create(Caller caller, UUID orderId, String reservationId, Commit commit) {
    BigDecimal total = BigDecimal.ZERO;
    JsonArray items = new JsonArray();
    for (Line line : commit.reservation().lines()) {
      total = total.add(line.price().multiply(BigDecimal.valueOf(line.quantity())));
      items.add(line.toJson());
    }
    // as stored (milliseconds): the answer shows what a read will; a commit from before the catalog kept its time has
    // none, and such an order's writers may differ in it (as they did then)
    Instant createdAt = commit.orderedAt() != null ? commit.orderedAt()
        : Instant.now().truncatedTo(ChronoUnit.MILLIS);
    JsonObject order = new JsonObject().put("id", orderId.toString()).put("user_id", caller.username())
        .put("items", items).put("total", total).put("status", OrderStatus.CREATED.name())
        .put("created_at", createdAt.toString()).put("updated_at", createdAt.toString());
    return repository.insert(order, reservationId, commit.committedNow(),
            () -> scheduleAfter(orderId, OrderStatus.CREATED, createdAt))
        .compose(existing -> {
          if (existing != null) {
            // a repeat (a retried checkout): the order may be one whose process died right after writing it, so
            // what follows the write (list rows, notification, first timer) is made sure of, idempotently
            return existing.getString("username").equals(caller.username())
                ? settle(ListRow.of(existing)).map(OrderRepository.toJson(existing))
                : Future.failedFuture(ProblemException.conflict("Order id " + orderId + " is taken"));
          }
          created.increment();
          changed(OrderStatus.CREATED);
          // the checkout need not wait for the notification: notifications are ordered by transition time, not arrival
          // (and the first timer sends it again, for a process killed before this one went out: createdNoticeAgain)
          notifyUser(caller.username(), orderId, OrderStatus.CREATED, createdAt);
          return Future.succeededFuture(order);
        });
  }

  /**
   * The public {@code POST /orders/}: reserves the products at the catalog's prices and records the order; with an
   * idempotency key the order id is derived from it, so a retry meets the same reservation and the same order.
   */
  public Future<JsonObject> place(Caller caller, JsonArray wanted, String idempotencyKey) {
    return place(caller, wanted, idempotencyKey, 0);
  }

  /** One attempt; an attempt whose reservation closed (a failed earlier try) made no order: the next id is used. */
  private Future<JsonObject> place(Caller caller, JsonArray wanted, String idempotencyKey, int attempt) {
    UUID orderId = idempotencyKey == null ? UUID.randomUUID()
        : OrderOperations.orderIdFor(caller.username(), idempotencyKey, attempt);
    return placeReserving(caller, orderId, wanted).recover(failure -> idempotencyKey != null
        && attempt < OrderOperations.MAX_ATTEMPTS
        && failure instanceof ProblemException p && CatalogOperations.RESERVATION_CLOSED.equals(p.slug())
        ? place(caller, wanted, idempotencyKey, attempt + 1) : Future.failedFuture(failure));
  }

  // ---- reading ----

  public Future<JsonObject> get(Caller caller, UUID id) {
    return repository.find(id).compose(row -> {
      if (row == null || !caller.admin() && !row.getString("username").equals(caller.username())) {
        return Future.failedFuture(ProblemException.notFound("Order " + id + " not found"));
      }
      return Future.succeededFuture(OrderRepository.toJson(row));
    });
  }

  /**
   * What a list asks for: a status, whether delivered orders past retention are included ({@code history}), whether
   * an admin sees everyone's orders ({@code everyone}), and a page ({@code limit} after {@code cursor}).
   */
  public record ListQuery(String status, boolean history, boolean everyone, String cursor, Integer limit) {
    /** A user's own orders, all of them, history included: what the profile shows. */
    static ListQuery everythingOfCaller() {
      return new ListQuery(null, true, false, null, null);
    }
  }

  /** A page of orders, newest first, and the cursor of the next page (null on the last one). */
  public record OrderPage(JsonArray orders, String next) {
  }

  /** How many of everyone's orders an admin's list shows when it names no limit. */
  static final int ADMIN_PAGE = 100;
  /** Rows read per query while a page fills: a filter may drop many. */
  private static final int READ_BATCH = 500;

  /**
   * The caller's orders (with {@code everyone}, which only admins get: all orders), newest first; archived orders
   * (delivered, past retention) only in history. A user's list is one partition of {@code orders_of_user}, whole
   * unless a limit is asked for; everyone's orders walk the days that had orders, a page at a time.
   */
  public Future<OrderPage> list(Caller caller, ListQuery q) {
    Cursor after = q.cursor() == null ? null : Cursor.parse(q.cursor());
    Predicate<ListRow> keep = row -> (q.history() || !row.archived())
        && (q.status() == null || q.status().equals(row.status()));
    if (q.everyone() && caller.admin()) {
      int limit = q.limit() != null ? q.limit() : ADMIN_PAGE;
      LocalDate from = after == null ? null : LocalDate.ofInstant(after.createdAt(), ZoneOffset.UTC);
      return repository.orderDays().compose(days -> collect(days.stream()
          .filter(day -> from == null || !day.isAfter(from))
          .<Partition>map(day -> (start, batch) -> repository.ordersOfDay(day, start, batch)).toList(),
          0, after, keep, limit, new ArrayList<>()));
    }
    int limit = q.limit() != null ? q.limit() : Integer.MAX_VALUE - 1;
    return collect(List.of((start, batch) -> repository.ordersOf(caller.username(), start, batch)), 0, after, keep,
        limit, new ArrayList<>());
  }

  /** One partition of a list, read newest first from a cursor. */
  private interface Partition {
    Future<List<ListRow>> read(Cursor after, int batch);
  }

  /**
   * Reads the partitions in order, each newest first (the first from {@code after}), keeping the rows that pass,
   * until {@code limit} are kept and one more shows that a next page exists.
   */
  private static Future<OrderPage> collect(List<Partition> partitions, int index, Cursor after,
      Predicate<ListRow> keep, int limit, List<ListRow> kept) {
    if (index == partitions.size()) {
      return Future.succeededFuture(page(kept, limit));
    }
    int batch = (int) Math.min(READ_BATCH, (long) limit + 1 - kept.size());
    return partitions.get(index).read(after, batch).compose(rows -> {
      for (ListRow row : rows) {
        if (keep.test(row)) {
          kept.add(row);
          if (kept.size() > limit) {
            return Future.succeededFuture(page(kept, limit));
          }
        }
      }
      return rows.size() < batch ? collect(partitions, index + 1, null, keep, limit, kept)
          : collect(partitions, index, rows.get(rows.size() - 1).cursorAt(), keep, limit, kept);
    });
  }

  private static OrderPage page(List<ListRow> kept, int limit) {
    JsonArray orders = new JsonArray();
    kept.stream().limit(limit).forEach(row -> orders.add(row.toJson()));
    return new OrderPage(orders, kept.size() > limit ? kept.get(limit - 1).cursor() : null);
  }

  // ---- changing ----

  /** Admin: move an order along the lifecycle (never back), or cancel it. */
  public Future<JsonObject> setStatus(Caller caller, UUID id, OrderStatus target) {
    if (target == OrderStatus.CANCELLED) {
      return cancel(caller, id);
    }
    return load(id).compose(row -> {
      OrderStatus current = OrderStatus.valueOf(row.getString("status"));
      if (!current.canMoveTo(target)) {
        return Future.failedFuture(ProblemException.conflict("An order cannot go from " + current + " to " + target));
      }
      return move(row, current, target);
    });
  }

  /** Owner: while CREATED or PROCESSING. Admin: until DELIVERED. Gives the reserved stock back. */
  public Future<JsonObject> cancel(Caller caller, UUID id) {
    return load(id).compose(row -> {
      boolean owner = row.getString("username").equals(caller.username());
      if (!owner && !caller.admin()) {
        return Future.failedFuture(ProblemException.notFound("Order " + id + " not found"));
      }
      OrderStatus current = OrderStatus.valueOf(row.getString("status"));
      boolean allowed = caller.admin() ? !current.isFinal()
          : current == OrderStatus.CREATED || current == OrderStatus.PROCESSING;
      if (!allowed) {
        return Future.failedFuture(ProblemException.conflict("An order in status " + current + " cannot be cancelled"
            + (caller.admin() ? "" : " by its owner (only while CREATED or PROCESSING)")));
      }
      // the stock goes back now if the catalog answers; a durable timer (set by the transition) retries if not
      return move(row, current, OrderStatus.CANCELLED).compose(order -> releaseStock(row).map(order)
          .recover(e -> {
            LOG.warn("Stock of cancelled order {} not released yet, will retry: {}", id, e.getMessage());
            return Future.succeededFuture(order);
          }));
    });
  }

  private Future<Row> load(UUID id) {
    return repository.find(id).compose(row -> row == null
        ? Future.failedFuture(ProblemException.notFound("Order " + id + " not found")) : Future.succeededFuture(row));
  }

  private Future<JsonObject> move(Row row, OrderStatus from, OrderStatus to) {
    UUID id = row.getUuid("order_id");
    Instant now = Instant.now();
    return Spans.around("order.status-change", () -> repository.transition(id, from, to, now).compose(applied -> {
      if (!applied) {
        return Future.failedFuture(ProblemException.conflict("Order " + id + " changed meanwhile; try again"));
      }
      return afterTransition(row, to, now).compose(v -> get(Caller.system("order"), id));
    }));
  }

  /** What follows every status change: metrics, then what {@link #settle} does. */
  private Future<Void> afterTransition(Row row, OrderStatus to, Instant at) {
    changed(to);
    if (to == OrderStatus.DELIVERED) {
      deliveryTime.record(Duration.between(row.getInstant("created_at"), at));
    }
    return settle(ListRow.of(row).moved(to, at));
  }

  /**
   * Everything that follows an order reaching its status, each step idempotent: its rows in the lists, the user's
   * notification, the next timer (due at a time derived from the order and its change, so a repeat files the same
   * timer). A timer whose compare-and-set finds the order moved on runs this for the order as it is, which finishes
   * what a crash right after a status change left undone.
   */
  private Future<Void> settle(ListRow order) {
    OrderStatus status = OrderStatus.valueOf(order.status());
    return repository.writeListRows(order)
        .compose(v -> notifyUser(order.username(), order.orderId(), status, order.updatedAt()))
        .compose(v -> scheduleAfter(order.orderId(), status, order.updatedAt()));
  }

  private Future<Void> releaseStock(Row order) {
    String reservation = order.getString("reservation_id");
    return reservation == null ? Future.succeededFuture() : catalog.release(reservation, SELF).mapEmpty();
  }

  private Future<Void> scheduleAfter(UUID id, OrderStatus status, Instant at) {
    if (status == OrderStatus.CANCELLED) {
      return repository.schedule(id, status, at); // give the stock back (again: release is idempotent) until it sticks
    }
    if (status == OrderStatus.DELIVERED) {
      return repository.schedule(id, status, at.plusMillis(delays.retentionMs())); // then archived
    }
    return status.next().map(next -> repository.schedule(id, status, at.plus(delays.delayBefore(next, id))))
        .orElse(Future.succeededFuture());
  }

  /**
   * Tells the user service; if it cannot take it now, the notification is kept in Cassandra and retried by the
   * lifecycle until it can (the user service stores each (order, status, time) once, so a repeat is harmless).
   */
  private Future<Void> notifyUser(String username, UUID orderId, OrderStatus status, Instant at) {
    return users.notifyStatus(SELF, username, orderId, status.name(), at).recover(e -> {
      LOG.warn("Could not notify {} of order {} → {} yet, will retry: {}", username, orderId, status, e.getMessage());
      return repository.deferNotification(username, orderId, status, at, Instant.now().plus(NOTIFY_RETRY));
    });
  }

  private Future<Void> retryNotification(Row pending) {
    Instant due = pending.getInstant("due_at");
    UUID orderId = pending.getUuid("order_id");
    String status = pending.getString("status");
    return users.notifyStatus(SELF, pending.getString("username"), orderId, status, pending.getInstant("changed_at"))
        .recover(e -> repository.deferNotification(pending.getString("username"), orderId, OrderStatus.valueOf(status),
            pending.getInstant("changed_at"), Instant.now().plus(NOTIFY_RETRY)))
        .compose(v -> repository.dropNotification(due, orderId, status));
  }

  private void changed(OrderStatus status) {
    registry.counter("order_status_changes", "status", status.name()).increment();
  }

  // ---- repairing what a crash left half-made ----

  /**
   * Settles every order intent filed before {@code cutoff}: an order whose row exists gets its per-user index row
   * (idempotent) and the intent goes; otherwise the reservation is committed now for the intent's user (the same
   * call checkout makes, so at most one of "order recorded" and "stock released" ever happens) and, if ORDERED,
   * the order row is written from it. Reads per-minute buckets from where the last pass stopped. Answers how many
   * orders it recorded.
   */
  Future<Integer> repairIntents(Instant cutoff) {
    return repairIntents(cutoff, () -> false);
  }

  /** As {@link #repairIntents(Instant)}, ending early (the rest left for the next pass) once stop is asked. */
  Future<Integer> repairIntents(Instant cutoff, BooleanSupplier stopAsked) {
    return repository.doneUntil(INTENT_REPAIR)
        .compose(done -> done != null ? Future.succeededFuture(done)
            : repository.firstWalkFrom(cutoff, CLOCK_SKEW, "order_intents"))
        .compose(start -> Loops.until(new Walk(start.truncatedTo(ChronoUnit.MINUTES), true, 0),
            walk -> walk.minute().isAfter(cutoff) || stopAsked.getAsBoolean(),
            walk -> repairMinute(walk, cutoff, stopAsked)).map(Walk::count));
  }

  /** Where a walk over minute buckets stands: the next minute, whether all before it are settled, and a count. */
  private record Walk(Instant minute, boolean contiguous, int count) {
  }

  private Future<Walk> repairMinute(Walk walk, Instant cutoff, BooleanSupplier stopAsked) {
    Instant minute = walk.minute();
    boolean contiguous = walk.contiguous();
    boolean whole = !minute.plus(1, ChronoUnit.MINUTES).isAfter(cutoff); // else only part of it is due yet
    long cutoffMicros = ChronoUnit.MICROS.between(Instant.EPOCH, cutoff);
    return repository.intents(minute).compose(intents -> {
      Future<int[]> chain = Future.succeededFuture(new int[2]); // [recorded, still open]
      for (Row intent : intents) {
        // the minute the pass is in is partly due: its intents filed before the cutoff are as old as any other
        boolean due = whole || intent.getLong("filed_at") <= cutoffMicros;
        // once stop is asked the rest count as still open: this minute is not marked done
        chain = chain.compose(counts -> (due && !stopAsked.getAsBoolean() ? repair(minute, intent)
            : Future.succeededFuture(-1)).map(outcome -> {
          counts[0] += Math.max(outcome, 0);
          counts[1] += outcome < 0 ? 1 : 0;
          return counts;
        }).otherwise(e -> {
          LOG.warn("Order intent {} not settled yet: {}", intent.getUuid("order_id"), e.getMessage());
          counts[1]++;
          return counts;
        }));
      }
      return chain;
    }).compose(counts -> {
      Instant next = minute.plus(1, ChronoUnit.MINUTES);
      boolean closed = whole && counts[1] == 0 && !next.isAfter(cutoff.minus(CLOCK_SKEW)); // see runDueTimers
      Future<Void> progress = contiguous && closed ? repository.setDoneUntil(INTENT_REPAIR, next)
          : Future.succeededFuture();
      return progress.map(v -> new Walk(next, contiguous && closed, walk.count() + counts[0]));
    });
  }

  /**
   * 1 when it recorded the order, 0 when there was nothing to do (the intent is dropped in both cases), -1 when the
   * reservation is still PENDING: its checkout may yet commit it, so the intent stays for a later pass (the catalog's
   * sweeper abandons a PENDING reservation in the end).
   */
  private Future<Integer> repair(Instant minute, Row intent) {
    UUID orderId = intent.getUuid("order_id");
    Caller caller = new Caller(intent.getString("username"), false);
    String reservationId = intent.getString("reservation_id");
    return repository.find(orderId).compose(row -> row != null ? settle(ListRow.of(row)).map(0)
            // a reservation never made is filed closed by the commit: no checkout can make this order any more
            : catalog.commitOrClose(reservationId, caller).compose(commit -> "PENDING".equals(
                commit.reservation().state()) ? Future.succeededFuture(-1)
                : record(caller, orderId, reservationId, commit).map(1))
                .recover(e -> e instanceof ProblemException p && (p.status() == 409 || p.status() == 404)
                    ? Future.succeededFuture(0) : Future.failedFuture(e))) // released, or not the user's: no order
        .compose(outcome -> outcome < 0 ? Future.succeededFuture(outcome)
            : repository.dropIntent(minute, orderId).map(outcome));
  }

  // ---- the lifecycle's timers ----

  /**
   * Runs every due timer, and retries due notifications, once; called periodically by the lifecycle verticle. Reads
   * the per-minute partitions from the oldest one that may still hold something: that mark moves on once a minute's
   * partition is emptied, and trails the clock by {@link #CLOCK_SKEW} so a replica whose clock is behind cannot
   * file a timer where nobody looks any more. Ends early once stop is asked: the timers not fired stay in Cassandra
   * for the next start, and their minute is not marked done.
   */
  Future<Integer> runDueTimers(BooleanSupplier stopAsked) {
    Instant now = Instant.now();
    Future<Instant> from = timersFrom != null ? Future.succeededFuture(timersFrom)
        : repository.doneUntil(TIMERS).compose(done -> done != null ? Future.succeededFuture(done)
            : repository.firstWalkFrom(now, CLOCK_SKEW, "order_timers_by_minute",
                "notifications_by_minute").map(start -> start.truncatedTo(ChronoUnit.MINUTES)));
    return from.compose(start -> Loops.until(new Walk(start, true, 0),
        walk -> walk.minute().isAfter(now) || stopAsked.getAsBoolean(), walk -> runMinute(walk, now, stopAsked)))
        .map(Walk::count);
  }

  private Future<Walk> runMinute(Walk walk, Instant now, BooleanSupplier stopAsked) {
    Instant minute = walk.minute();
    boolean contiguous = walk.contiguous();
    return repository.dueTimers(minute, now).compose(timers -> repository.dueNotifications(minute, now)
        .compose(notifications -> {
          Future<int[]> chain = Future.succeededFuture(new int[2]); // [done, failed]
          for (Row timer : timers) {
            chain = chain.compose(counts -> stopAsked.getAsBoolean() ? left(counts) : fire(timer).map(v -> {
              counts[0]++;
              return counts;
            }).otherwise(e -> {
              LOG.warn("Timer for order {} failed, will retry: {}", timer.getUuid("order_id"), e.getMessage());
              counts[1]++;
              return counts;
            }));
          }
          for (Row notification : notifications) {
            chain = chain.compose(counts -> stopAsked.getAsBoolean() ? left(counts)
                : retryNotification(notification).map(v -> {
                  counts[0]++;
                  return counts;
                }).otherwise(e -> {
                  counts[1]++;
                  return counts;
                }));
          }
          return chain;
        })).compose(counts -> {
          Instant next = minute.plus(1, ChronoUnit.MINUTES);
          boolean emptied = counts[1] == 0 && next.isBefore(now.minus(CLOCK_SKEW));
          Future<Void> progress = Future.succeededFuture();
          if (contiguous && emptied) {
            timersFrom = next;
            progress = next.getEpochSecond() % 600 == 0 ? repository.setDoneUntil(TIMERS, next) // now and then
                : Future.succeededFuture();
          }
          return progress.map(v -> new Walk(next, contiguous && emptied, walk.count() + counts[0]));
        });
  }

  /** A timer or notification not tried because stop was asked: counted as not done, so its minute stays open. */
  private static Future<int[]> left(int[] counts) {
    counts[1]++;
    return Future.succeededFuture(counts);
  }

  private Future<Void> fire(Row timer) {
    UUID id = timer.getUuid("order_id");
    Instant due = timer.getInstant("due_at");
    OrderStatus from = OrderStatus.valueOf(timer.getString("from_status"));
    Future<Void> work;
    if (from == OrderStatus.DELIVERED) {
      work = repository.find(id).compose(row -> row == null ? Future.succeededFuture() : repository.archive(row));
    } else if (from == OrderStatus.CANCELLED) {
      work = repository.find(id).compose(row -> row == null ? Future.succeededFuture() : releaseStock(row))
          .recover(e -> repository.schedule(id, from, Instant.now().plusSeconds(5))); // retry later, not every poll
    } else {
      OrderStatus to = from.next().orElseThrow();
      Instant now = Instant.now();
      // only the replica whose compare-and-set wins notifies and schedules; a cancelled order just drops its timer
      // only the replica whose compare-and-set wins counts the change; one that loses (another replica, an admin,
      // or this timer again after a crash) settles the order as it now is, which is idempotent
      work = repository.transition(id, from, to, now).compose(applied -> repository.find(id)
          .compose(row -> row == null ? Future.succeededFuture() : createdNoticeAgain(row, from)
              .compose(v -> applied ? afterTransition(row, to, now) : settle(ListRow.of(row)))));
    }
    return work.compose(v -> repository.dropTimer(due, id));
  }

  /**
   * The CREATED notice is sent after the checkout's answer and recorded nowhere: a process killed in between lost it
   * for good. The order's first timer sends it again, before the timer is dropped (the user service keeps each
   * (order, status, time) once, so the usual case, a notice already taken, changes nothing).
   */
  private Future<Void> createdNoticeAgain(Row order, OrderStatus timerFrom) {
    return timerFrom != OrderStatus.CREATED ? Future.succeededFuture()
        : notifyUser(order.getString("username"), order.getUuid("order_id"), OrderStatus.CREATED,
            order.getInstant("created_at"));
  }
}
