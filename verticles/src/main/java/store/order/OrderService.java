package store.order;

import com.datastax.oss.driver.api.core.cql.Row;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import store.catalog.api.CatalogClient;
import store.platform.Caller;
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
    Duration delayBefore(OrderStatus next) {
      return Duration.ofMillis(switch (next) {
        case PROCESSING -> processingMs;
        case SHIPPING -> shippingMs;
        case DELIVERED -> deliveryMinMs >= deliveryMaxMs ? deliveryMinMs
            : ThreadLocalRandom.current().nextLong(deliveryMinMs, deliveryMaxMs + 1);
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

  Future<Void> start() {
    return repository.createSchema().compose(v -> repository.moveLegacyTimers());
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
        .compose(v -> commitAndRecord(caller, orderId, reservationId))
        .onSuccess(order -> repository.dropIntent(now, orderId));
  }

  private Future<JsonObject> commitAndRecord(Caller caller, UUID orderId, String reservationId) {
    return catalog.commit(reservationId, caller).compose(reservation -> {
      if (!"ORDERED".equals(reservation.getString("state"))) {
        // a retry of an order since cancelled finds its order; anything else has no stock behind it
        return repository.find(orderId).compose(row -> row != null && row.getString("username")
            .equals(caller.username()) ? Future.succeededFuture(OrderRepository.toJson(row))
            : Future.failedFuture(ProblemException.conflict("Reservation " + reservationId + " is "
                + reservation.getString("state"))));
      }
      return create(caller, orderId, reservationId, reservation.getJsonArray("lines"));
    });
  }

  /** Records an order for lines the catalog has just reserved; idempotent by order id. */
  private Future<JsonObject> create(Caller caller, UUID orderId, String reservationId, JsonArray lines) {
    BigDecimal total = BigDecimal.ZERO;
    JsonArray items = new JsonArray();
    for (Object o : lines) {
      JsonObject line = (JsonObject) o;
      BigDecimal price = new BigDecimal(line.getValue("price").toString());
      int quantity = line.getInteger("quantity");
      total = total.add(price.multiply(BigDecimal.valueOf(quantity)));
      items.add(new JsonObject().put("product_id", line.getString("product_id")).put("name", line.getString("name"))
          .put("price", price).put("quantity", quantity));
    }
    Instant now = Instant.now();
    JsonObject order = new JsonObject().put("id", orderId.toString()).put("user_id", caller.username())
        .put("items", items).put("total", total).put("status", OrderStatus.CREATED.name())
        .put("created_at", now.toString()).put("updated_at", now.toString());
    return repository.insert(order, reservationId).compose(existing -> {
      if (existing != null) {
        return existing.getString("user_id").equals(caller.username()) ? Future.succeededFuture(existing)
            : Future.failedFuture(ProblemException.conflict("Order id " + orderId + " is taken"));
      }
      created.increment();
      changed(OrderStatus.CREATED);
      // the checkout need not wait for the notification: notifications are ordered by transition time, not arrival
      notifyUser(caller.username(), orderId, OrderStatus.CREATED, now);
      return scheduleAfter(orderId, OrderStatus.CREATED, now).map(order);
    });
  }

  /**
   * The public {@code POST /orders/}: reserves the products at the catalog's prices and records the order; with an
   * idempotency key the order id is derived from it, so a retry meets the same reservation and the same order.
   */
  public Future<JsonObject> place(Caller caller, JsonArray wanted, String idempotencyKey) {
    UUID orderId = idempotencyKey == null ? UUID.randomUUID()
        : UUID.nameUUIDFromBytes((caller.username() + "\n" + idempotencyKey).getBytes(StandardCharsets.UTF_8));
    String reservationId = "order:" + orderId;
    // a release after a failure cannot take the stock of an order that was committed: ORDERED is the order's own
    return catalog.reserve(reservationId, wanted, caller).compose(reservation -> createReserved(caller, orderId,
        reservationId).recover(failure -> catalog.release(reservationId, caller)
            .transform(x -> Future.failedFuture(failure))));
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
   * The caller's orders (with {@code everyone}, which only admins get: all orders), newest first; archived orders
   * (delivered, past retention) only in history.
   */
  public Future<JsonArray> list(Caller caller, String status, boolean history, boolean everyone) {
    Future<List<Row>> rows = everyone && caller.admin() ? repository.all() : repository.idsOf(caller.username())
        .compose(ids -> Future.all(ids.stream().map(repository::find).toList())
            .map(all -> all.<Row>list().stream().filter(r -> r != null).toList()));
    return rows.map(list -> {
      JsonArray result = new JsonArray();
      list.stream()
          .filter(r -> history || !r.getBoolean("archived"))
          .filter(r -> status == null || status.equals(r.getString("status")))
          .sorted(Comparator.comparing((Row r) -> r.getInstant("created_at")).reversed())
          .forEach(r -> result.add(OrderRepository.toJson(r)));
      return result;
    });
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

  /** What follows every status change: metrics, the user's notification, then the next timer. */
  private Future<Void> afterTransition(Row row, OrderStatus to, Instant at) {
    UUID id = row.getUuid("order_id");
    changed(to);
    if (to == OrderStatus.DELIVERED) {
      deliveryTime.record(Duration.between(row.getInstant("created_at"), at));
    }
    return notifyUser(row.getString("username"), id, to, at).compose(v -> scheduleAfter(id, to, at));
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
    return status.next().map(next -> repository.schedule(id, status, at.plus(delays.delayBefore(next))))
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
    return repository.doneUntil(INTENT_REPAIR).compose(done -> repairFrom(
        (done != null ? done : cutoff.minus(Duration.ofDays(1))).truncatedTo(ChronoUnit.MINUTES), cutoff, true, 0));
  }

  private Future<Integer> repairFrom(Instant minute, Instant cutoff, boolean contiguous, int recorded) {
    if (minute.isAfter(cutoff)) {
      return Future.succeededFuture(recorded);
    }
    boolean whole = !minute.plus(1, ChronoUnit.MINUTES).isAfter(cutoff); // else only part of it is due yet
    return repository.intents(minute).compose(intents -> {
      Future<int[]> chain = Future.succeededFuture(new int[2]); // [recorded, still open]
      for (Row intent : intents) {
        chain = chain.compose(counts -> (whole ? repair(minute, intent) : Future.succeededFuture(-1)).map(outcome -> {
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
      return progress.compose(v -> repairFrom(next, cutoff, contiguous && closed, recorded + counts[0]));
    });
  }

  /** 1 when it recorded the order, 0 when there was nothing to do (the intent is dropped in both cases). */
  private Future<Integer> repair(Instant minute, Row intent) {
    UUID orderId = intent.getUuid("order_id");
    String username = intent.getString("username");
    return repository.find(orderId).compose(row -> row != null
            ? repository.indexForUser(username, orderId).map(0)
            : commitAndRecord(new Caller(username, false), orderId, intent.getString("reservation_id")).map(1)
                .recover(e -> e instanceof ProblemException p && (p.status() == 409 || p.status() == 404)
                    ? Future.succeededFuture(0) : Future.failedFuture(e))) // released or never reserved: no order
        .compose(outcome -> repository.dropIntent(minute, orderId).map(outcome));
  }

  // ---- the lifecycle's timers ----

  /**
   * Runs every due timer, and retries due notifications, once; called periodically by the lifecycle verticle. Reads
   * the per-minute partitions from the oldest one that may still hold something: that mark moves on once a minute's
   * partition is emptied, and trails the clock by {@link #CLOCK_SKEW} so a replica whose clock is behind cannot
   * file a timer where nobody looks any more.
   */
  Future<Integer> runDueTimers() {
    Instant now = Instant.now();
    Future<Instant> from = timersFrom != null ? Future.succeededFuture(timersFrom)
        : repository.doneUntil(TIMERS).map(done -> done != null ? done
            : now.minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MINUTES));
    return from.compose(start -> runFrom(start, now, true, 0));
  }

  private Future<Integer> runFrom(Instant minute, Instant now, boolean contiguous, int fired) {
    if (minute.isAfter(now)) {
      return Future.succeededFuture(fired);
    }
    return repository.dueTimers(minute, now).compose(timers -> repository.dueNotifications(minute, now)
        .compose(notifications -> {
          Future<int[]> chain = Future.succeededFuture(new int[2]); // [done, failed]
          for (Row timer : timers) {
            chain = chain.compose(counts -> fire(timer).map(v -> {
              counts[0]++;
              return counts;
            }).otherwise(e -> {
              LOG.warn("Timer for order {} failed, will retry: {}", timer.getUuid("order_id"), e.getMessage());
              counts[1]++;
              return counts;
            }));
          }
          for (Row notification : notifications) {
            chain = chain.compose(counts -> retryNotification(notification).map(v -> {
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
          return progress.compose(v -> runFrom(next, now, contiguous && emptied, fired + counts[0]));
        });
  }

  private Future<Void> fire(Row timer) {
    UUID id = timer.getUuid("order_id");
    Instant due = timer.getInstant("due_at");
    OrderStatus from = OrderStatus.valueOf(timer.getString("from_status"));
    Future<Void> work;
    if (from == OrderStatus.DELIVERED) {
      work = repository.archive(id);
    } else if (from == OrderStatus.CANCELLED) {
      work = repository.find(id).compose(row -> row == null ? Future.succeededFuture() : releaseStock(row))
          .recover(e -> repository.schedule(id, from, Instant.now().plusSeconds(5))); // retry later, not every poll
    } else {
      OrderStatus to = from.next().orElseThrow();
      Instant now = Instant.now();
      // only the replica whose compare-and-set wins notifies and schedules; a cancelled order just drops its timer
      work = repository.transition(id, from, to, now).compose(applied -> !applied ? Future.succeededFuture()
          : repository.find(id).compose(row -> afterTransition(row, to, now)));
    }
    return work.compose(v -> repository.dropTimer(due, id));
  }
}
