package store.order;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.catalog.api.CatalogClient;
import store.catalog.api.CatalogOperations;
import store.catalog.api.CatalogOperations.Commit;
import store.platform.Caller;
import store.platform.Cql;
import store.platform.ProblemException;
import store.platform.transport.CallMetrics;
import store.platform.transport.EventBusChannel;
import store.testing.TestStore;
import store.user.api.UserClient;

/**
 * An order service that died after filing its intent (and perhaps after committing the reservation) but before
 * writing the order: the repair pass records the order from the catalog's reservation, exactly once, or drops the
 * intent when the stock was released instead. Runs against the in-process store's catalog, over its event bus.
 */
@ExtendWith(VertxExtension.class)
class OrderRecoveryTest {
  private static CatalogClient fromCart;
  private static CatalogClient fromOrder;
  private static OrderService orders;
  private static OrderRepository repository;
  private static String adminToken;
  private static Vertx storeVertx;
  private static Cql storeCql;

  @BeforeAll
  static void store() throws Exception {
    String base = TestStore.start();
    Vertx vertx = TestStore.vertx();
    storeVertx = vertx;
    Cql cql = TestStore.cql();
    storeCql = cql;
    CallMetrics metrics = new CallMetrics(new SimpleMeterRegistry());
    fromCart = new CatalogClient(new EventBusChannel(vertx, "cart", "catalog", 60_000, metrics));
    fromOrder = new CatalogClient(new EventBusChannel(vertx, "order", "catalog", 60_000, metrics));
    repository = new OrderRepository(cql);
    orders = orderService(repository);
    adminToken = TestStore.bearer("order-recovery-admin", true);
    assertThat(base).isNotBlank();
  }

  /** An order service on {@code repository}, talking to the store's catalog and user service over its event bus. */
  private static OrderService orderService(OrderRepository repository) {
    return orderService(repository, new OrderService.Lifecycle(600_000, 600_000, 600_000, 600_000, 600_000));
  }

  private static OrderService orderService(OrderRepository repository, OrderService.Lifecycle lifecycle) {
    CallMetrics metrics = new CallMetrics(new SimpleMeterRegistry());
    return new OrderService(repository, fromOrder, new UserClient(new EventBusChannel(storeVertx, "order", "user",
        60_000, metrics)), lifecycle, new SimpleMeterRegistry());
  }

  /**
   * A product with {@code stock} units, created through the public API. Called on a context of the store's own
   * Vert.x ({@link #onStore}), so what follows runs on the store's event loops.
   */
  private static Future<String> product(Vertx vertx, int stock) {
    return io.vertx.ext.web.client.WebClient.create(storeVertx)
        .postAbs("http://127.0.0.1:" + TestStore.HTTP_PORT + "/api/products/")
        .putHeader("Authorization", adminToken)
        .sendJsonObject(new JsonObject().put("name", "Recovered").put("category", "recovery-" + UUID.randomUUID())
            .put("price", 4.5).put("stock_count", stock))
        .map(r -> {
          assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
          return r.bodyAsJsonObject().getString("product_id");
        });
  }

  /** One unit of a new product reserved (RESERVED, committed later) by {@code shopper} under {@code reservation}. */
  private static Future<CatalogOperations.Reservation> oneUnitReserved(Vertx vertx, String reservation,
      Caller shopper) {
    return product(vertx, 5).compose(productId -> fromOrder.reserve(reservation, line(productId, 1), shopper));
  }

  /**
   * Runs a test's chain on a fresh event-loop context of the store's Vert.x: the test thread may carry a context of a
   * per-test Vert.x that JUnit has closed since, and the chain must not be scheduled there.
   */
  private static void onStore(VertxTestContext ctx, java.util.function.Supplier<Future<?>> chain) {
    ((io.vertx.core.internal.VertxInternal) storeVertx).createEventLoopContext()
        .runOnContext(v -> chain.get().onComplete(ctx.succeedingThenComplete()));
  }

  /** A repair pass as it will run once this minute's intents are past their grace. */
  private static Instant afterGrace() {
    return Instant.now().plus(Duration.ofMinutes(2));
  }

  private static JsonArray line(String productId, int quantity) {
    return new JsonArray().add(new JsonObject().put("product_id", productId).put("quantity", quantity));
  }

  @Test
  void anOrderCommittedButNeverWrittenIsRecordedOnceFromItsReservation(Vertx vertx, VertxTestContext ctx) {
    Caller shopper = new Caller("repair-shopper-" + UUID.randomUUID(), false);
    UUID orderId = UUID.randomUUID();
    String reservation = "order:" + orderId;
    Instant filed = Instant.now();
    onStore(ctx, () -> product(vertx, 5).compose(productId -> fromOrder.reserve(reservation, line(productId, 2),
                shopper)
            .compose(r -> repository.recordIntent(orderId, reservation, shopper.username(), filed))
            .compose(v -> fromOrder.commit(reservation, shopper)) // the commit happened; the row was never written
            .compose(v -> orders.get(shopper, orderId).transform(ar -> {
              assertThat(ar.failed()).as("no order row yet").isTrue();
              return orders.repairIntents(afterGrace());
            }))
            // (the store's own repair pass may have got there first: either way, one order)
            .compose(recorded -> orders.repairIntents(afterGrace()))
            .compose(again -> orders.get(shopper, orderId))
            .compose(order -> {
              assertThat(order.getString("status")).isEqualTo("CREATED");
              JsonObject item = order.getJsonArray("items").getJsonObject(0);
              assertThat(item.getString("product_id")).isEqualTo(productId);
              assertThat(item.getInteger("quantity")).isEqualTo(2);
              assertThat(item.getDouble("price")).as("the catalog's price").isEqualTo(4.5);
              return orders.list(shopper, OrderService.ListQuery.everythingOfCaller());
            })
            .compose(list -> {
              assertThat(list.orders()).as("the order is in the user's list too").hasSize(1);
              return repository.intents(filed.truncatedTo(java.time.temporal.ChronoUnit.MINUTES));
            })
            .map(left -> {
              assertThat(left.stream().map(r -> r.getUuid("order_id"))).as("the intent is settled")
                  .doesNotContain(orderId);
              return null;
            }))
        );
  }

  /**
   * The checkout whose own commit made the order writes its row without a compare-and-set, at the order's creation
   * time: a status set after it always wins over that write, however late it lands. A repeat of the same order is
   * not told it committed, and finds the row instead of writing it.
   */
  @Test
  void anOrderItsOwnCommitMadeIsWrittenAtItsCreationTimeAndARepeatFindsIt(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    Cql cql = TestStore.cql();
    Caller shopper = new Caller("first-write-" + UUID.randomUUID(), false);
    UUID orderId = UUID.randomUUID();
    String reservation = "order:" + orderId;
    JsonObject[] created = new JsonObject[1];
    onStore(ctx, () -> oneUnitReserved(vertx, reservation, shopper)
            .compose(r -> orders.createReserved(shopper, orderId, reservation))
            .compose(order -> {
              created[0] = order;
              return cql.one("test.order-written", "SELECT created_at, WRITETIME(status) AS written "
                  + "FROM orders WHERE order_id = ?", orderId);
            })
            .compose(row -> {
              assertThat(row.getLong("written")).as("written at the order's creation time")
                  .isEqualTo(ChronoUnit.MICROS.between(Instant.EPOCH, row.getInstant("created_at")));
              // (the store's own timers may move it first: either way, a status set after the write)
              return repository.transition(orderId, OrderStatus.CREATED, OrderStatus.SHIPPING, Instant.now());
            })
            .compose(moved -> orders.get(shopper, orderId))
            .compose(moved -> orders.createReserved(shopper, orderId, reservation).map(again -> {
              assertThat(moved.getString("status")).isNotEqualTo("CREATED");
              assertThat(again.getString("created_at")).isEqualTo(created[0].getString("created_at"));
              assertThat(again.getString("status")).as("a repeat leaves the status set since")
                  .isEqualTo(moved.getString("status"));
              return null;
            })));
  }

  /**
   * The checkout whose own commit made the order writes its row and its two list rows side by side (nothing to wait
   * for between them), the list rows at the order's creation time too.
   */
  @Test
  void anOrderItsOwnCommitMadeIsWrittenWithItsListRowsSideBySide(Vertx vertx, VertxTestContext ctx) throws Exception {
    store.testing.StatementsInFlight writes = new store.testing.StatementsInFlight("INSERT INTO orders");
    OrderService watched = orderService(new OrderRepository(writes.cql()));
    Caller shopper = new Caller("side-by-side-" + UUID.randomUUID(), false);
    UUID orderId = UUID.randomUUID();
    String reservation = "order:" + orderId;
    onStore(ctx, () -> oneUnitReserved(vertx, reservation, shopper)
            .compose(r -> watched.createReserved(shopper, orderId, reservation))
            .compose(order -> {
              assertThat(writes.most()).as("the order's row, its user's list row and its day's, at once")
                  .isEqualTo(3);
              return storeCql.one("test.list-written", "SELECT created_at, WRITETIME(status) AS written "
                  + "FROM orders_of_user WHERE username = ?", shopper.username());
            })
            .map(row -> {
              assertThat(row.getLong("written")).as("the list row written at the order's creation time")
                  .isEqualTo(ChronoUnit.MICROS.between(Instant.EPOCH, row.getInstant("created_at")));
              return null;
            }));
  }

  /**
   * A checkout whose commit made the order but whose write lands only after the repair of its intent recorded the
   * order: both write it as of the commit, so the user finds it once in the list and is told of it once.
   */
  @Test
  void aCheckoutStalledAfterItsCommitAndTheRepairOfItsIntentRecordTheOrderOnce(Vertx vertx, VertxTestContext ctx) {
    Caller shopper = new Caller("stalled-" + UUID.randomUUID(), false);
    UUID orderId = UUID.randomUUID();
    String reservation = "order:" + orderId;
    Commit[] commit = new Commit[1];
    onStore(ctx, () -> oneUnitReserved(vertx, reservation, shopper)
            .compose(r -> repository.recordIntent(orderId, reservation, shopper.username(), Instant.now()))
            .compose(v -> fromOrder.commit(reservation, shopper))
            .compose(committed -> {
              assertThat(committed.committedNow()).isTrue();
              commit[0] = committed;
              // the checkout stalls here; its intent is repaired meanwhile
              // (the store's own repair pass may have got there first: either way, the order is recorded)
              return orders.repairIntents(afterGrace());
            })
            .compose(repaired -> orders.create(shopper, orderId, reservation, commit[0])) // its write lands at last
            .compose(order -> {
              assertThat(order.getString("created_at")).as("created at the commit")
                  .isEqualTo(commit[0].orderedAt().toString());
              return orders.list(shopper, OrderService.ListQuery.everythingOfCaller());
            })
            .compose(list -> {
              assertThat(list.orders()).as("listed once").hasSize(1);
              return createdNotifications(shopper, orderId, System.currentTimeMillis() + 10_000);
            })
            .map(told -> {
              assertThat(told).as("told once").isEqualTo(1);
              return null;
            }));
  }

  /**
   * How many CREATED notifications the user has of the order, once there is one (both writers send theirs without
   * waiting, so the count is read again a second after the first appears).
   */
  private static Future<Integer> createdNotifications(Caller user, UUID orderId, long deadline) {
    return createdNotifications(user, orderId).compose(n -> {
      if (n == 0 && System.currentTimeMillis() < deadline) {
        return storeVertx.timer(100).compose(t -> createdNotifications(user, orderId, deadline));
      }
      return n == 0 ? Future.succeededFuture(0)
          : storeVertx.timer(1_000).compose(t -> createdNotifications(user, orderId));
    });
  }

  private static Future<Integer> createdNotifications(Caller user, UUID orderId) {
    return storeCql.rows("test.notifications", "SELECT order_id, status FROM notifications WHERE username = ?",
            user.username())
        .map(rows -> (int) rows.stream().filter(r -> orderId.equals(r.getUuid("order_id"))
            && "CREATED".equals(r.getString("status"))).count());
  }

  /**
   * The pass need not wait for an intent's minute to end: an intent filed before the cutoff is repaired even while its
   * minute is still open, and one filed after the cutoff, in the same minute, is left to its checkout.
   */
  @Test
  void anIntentPastItsGraceIsRepairedBeforeItsMinuteEndsAndAYoungerOneIsNot(Vertx vertx, VertxTestContext ctx) {
    Caller shopper = new Caller("repair-early-" + UUID.randomUUID(), false);
    UUID due = UUID.randomUUID();
    UUID young = UUID.randomUUID();
    Instant[] cutoff = new Instant[1];
    onStore(ctx, () -> product(vertx, 5).compose(productId -> fromOrder.reserve("order:" + due, line(productId, 1),
                shopper)
            .compose(r -> repository.recordIntent(due, "order:" + due, shopper.username(), Instant.now()))
            .compose(v -> fromOrder.commit("order:" + due, shopper))
            .compose(v -> fromOrder.reserve("order:" + young, line(productId, 1), shopper))
            .compose(r -> {
              cutoff[0] = Instant.now();
              // write times come from a millisecond clock (the driver's Java clock): file the young one a few later
              return storeVertx.timer(5, java.util.concurrent.TimeUnit.MILLISECONDS);
            })
            .compose(t -> repository.recordIntent(young, "order:" + young, shopper.username(), Instant.now()))
            .compose(v -> fromOrder.commit("order:" + young, shopper))
            .compose(v -> orders.repairIntents(cutoff[0]))
            .compose(recorded -> orders.get(shopper, due))
            .compose(order -> {
              assertThat(order.getString("status")).as("recorded by the pass").isEqualTo("CREATED");
              return orders.get(shopper, young).transform(ar -> {
                assertThat(ar.failed()).as("an intent younger than the cutoff is still its checkout's").isTrue();
                return orders.repairIntents(Instant.now());
              });
            })
            .compose(recorded -> orders.get(shopper, young))
            .map(order -> {
              assertThat(order.getString("status")).isEqualTo("CREATED");
              return null;
            }))
        );
  }

  @Test
  void anIntentWhoseStockWasReleasedRecordsNoOrder(Vertx vertx, VertxTestContext ctx) {
    Caller shopper = new Caller("repair-released-" + UUID.randomUUID(), false);
    UUID orderId = UUID.randomUUID();
    String reservation = "order:" + orderId;
    Instant filed = Instant.now();
    onStore(ctx, () -> oneUnitReserved(vertx, reservation, shopper)
            .compose(r -> repository.recordIntent(orderId, reservation, shopper.username(), filed))
            .compose(v -> fromCart.release(reservation, shopper)) // the cart gave up before the order was committed
            .compose(released -> {
              assertThat(released.released()).isTrue();
              return orders.repairIntents(afterGrace());
            })
            .compose(recorded -> orders.get(shopper, orderId).transform(ar -> {
              assertThat(ar.failed()).as("no order without stock behind it").isTrue();
              assertThat(((ProblemException) ar.cause()).status()).isEqualTo(404);
              return fromOrder.reservation(reservation, shopper);
            }))
            .map(after -> {
              assertThat(after.state()).isEqualTo("RELEASED");
              return null;
            }));
  }

  /**
   * A checkout files its order's intent before the catalog reserves and commits its stock in one move, so the repair
   * can meet an intent whose reservation is still PENDING (its lines being taken). That checkout may yet commit it:
   * the intent stays, and is settled by a pass after the reservation is settled (here: abandoned, as the sweeper
   * does, so no order).
   */
  @Test
  void anIntentWhoseReservationIsStillPendingStaysUntilTheReservationIsSettled(Vertx vertx, VertxTestContext ctx) {
    Caller shopper = new Caller("repair-pending-" + UUID.randomUUID(), false);
    UUID orderId = UUID.randomUUID();
    String reservation = "order:" + orderId;
    Instant filed = Instant.now();
    Instant minute = filed.truncatedTo(ChronoUnit.MINUTES);
    onStore(ctx, () -> product(vertx, 5).compose(productId -> repository.recordIntent(orderId, reservation,
                shopper.username(), filed)
            // the catalog's row of a reservation claimed, its lines not all taken yet
            .compose(v -> storeCql.run("test.pending", "INSERT INTO stock_reservations (reservation_id, lines, state, "
                + "created_at, owner) VALUES (?, ?, 'PENDING', ?, ?)", reservation, line(productId, 1).encode(),
                filed, shopper.username()))
            .compose(v -> orders.repairIntents(afterGrace()))
            .compose(recorded -> repository.intents(minute))
            .compose(left -> {
              assertThat(left.stream().map(r -> r.getUuid("order_id"))).as("kept for its checkout")
                  .contains(orderId);
              return fromOrder.reservation(reservation, shopper);
            })
            .compose(after -> {
              assertThat(after.state()).as("left to its checkout").isEqualTo("PENDING");
              return storeCql.run("test.released", "UPDATE stock_reservations SET state = 'RELEASED' "
                  + "WHERE reservation_id = ?", reservation);
            })
            .compose(v -> orders.repairIntents(afterGrace()))
            .compose(recorded -> repository.intents(minute))
            .compose(left -> {
              assertThat(left.stream().map(r -> r.getUuid("order_id"))).as("settled once the reservation is")
                  .doesNotContain(orderId);
              return orders.get(shopper, orderId).transform(ar -> {
                assertThat(ar.failed()).as("no order without stock behind it").isTrue();
                return Future.succeededFuture();
              });
            })));
  }

  /**
   * An intent whose checkout stopped before its reservation was made: the repair files the reservation closed, so a
   * checkout still on its way (a message held up, a paused process) cannot make the order after the intent is gone.
   * It is refused as closed, takes no stock, and a retry moves on to the next id.
   */
  @Test
  void anIntentWhoseReservationWasNeverMadeClosesItsId(Vertx vertx, VertxTestContext ctx) {
    Caller shopper = new Caller("repair-unmade-" + UUID.randomUUID(), false);
    UUID orderId = UUID.randomUUID();
    String reservation = "order:" + orderId;
    Instant filed = Instant.now();
    onStore(ctx, () -> product(vertx, 5).compose(productId -> repository.recordIntent(orderId, reservation,
                shopper.username(), filed)
            .compose(v -> orders.repairIntents(afterGrace()))
            .compose(recorded -> repository.intents(filed.truncatedTo(ChronoUnit.MINUTES)))
            .compose(left -> {
              assertThat(left.stream().map(r -> r.getUuid("order_id"))).as("settled").doesNotContain(orderId);
              return fromOrder.reservation(reservation, shopper);
            })
            .compose(after -> {
              assertThat(after.state()).as("filed closed").isEqualTo("RELEASED");
              return orders.placeReserving(shopper, orderId, line(productId, 2)).transform(ar -> {
                assertThat(ar.failed()).as("the late checkout").isTrue();
                assertThat(((ProblemException) ar.cause()).slug()).isEqualTo(CatalogOperations.RESERVATION_CLOSED);
                return fromOrder.reservation(reservation, shopper);
              });
            })
            .compose(after -> {
              assertThat(after.state()).isEqualTo("RELEASED");
              assertThat(after.lines()).as("took nothing").isEmpty();
              return orders.get(shopper, orderId).transform(ar -> {
                assertThat(ar.failed()).as("no order under a closed id").isTrue();
                return Future.succeededFuture();
              });
            })));
  }

  /**
   * An order insert whose answer was lost (it landed; Cassandra could not confirm it): the row is read back and
   * answered as an existing order, whose list rows, notification and first timer the service then makes sure of.
   * The same for a status change.
   */
  @Test
  void anOrderInsertWhoseAnswerWasLostIsReadBackAsTheExistingOrder() throws Exception {
    OrderRepository lossy = new OrderRepository(store.testing.LostAnswers.to("INSERT INTO orders",
        "UPDATE orders SET status"));
    UUID id = UUID.randomUUID();
    String now = Instant.now().toString();
    JsonObject order = new JsonObject().put("id", id.toString()).put("user_id", "lost-order-user")
        .put("items", new JsonArray()).put("total", 3).put("status", "CREATED").put("created_at", now)
        .put("updated_at", now);
    com.datastax.oss.driver.api.core.cql.Row existing = store.testing.StoreApi.await(
        lossy.insert(order, "order:" + id, false, Future::succeededFuture));
    assertThat(existing).as("the order read back").isNotNull();
    assertThat(existing.getUuid("order_id")).isEqualTo(id);
    assertThat(existing.getString("username")).isEqualTo("lost-order-user");

    // a status change (a customer's cancel) whose answer was lost: read back, it is this call's
    assertThat(store.testing.StoreApi.await(lossy.transition(id, OrderStatus.CREATED, OrderStatus.CANCELLED,
        Instant.now()))).as("cancelled by this call").isTrue();
    assertThat(store.testing.StoreApi.await(lossy.transition(id, OrderStatus.CREATED, OrderStatus.PROCESSING,
        Instant.now()))).as("a move from a status the order has left: not applied").isFalse();
    assertThat(store.testing.StoreApi.await(repository.find(id)).getString("status")).isEqualTo("CANCELLED");
  }

  /**
   * The CREATED notice goes out after the checkout's answer: an order process killed right after answering lost it
   * (a split-topology test that kills the order service there saw PROCESSING, SHIPPING, DELIVERED and no CREATED).
   * The order's first timer sends it again, so the user gets every notice, in order.
   */
  @Test
  void aCreatedNoticeLostWithItsProcessIsSentAgainByTheFirstTimer(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    Cql cql = TestStore.cql();
    Caller shopper = new Caller("lost-notice-" + UUID.randomUUID(), false);
    UUID orderId = UUID.randomUUID();
    String reservation = "order:" + orderId;
    long processingMs = 4_000; // time to see the notice and lose it before the first timer is due
    OrderService soon = orderService(repository, new OrderService.Lifecycle(processingMs, 600_000, 600_000, 600_000,
        600_000));
    java.util.function.Supplier<Future<java.util.List<String>>> notices = () -> cql.rows("test.notices",
        "SELECT status FROM notifications WHERE username = ?", shopper.username())
        .map(rows -> rows.stream().map(row -> row.getString("status")).toList());
    onStore(ctx, () -> oneUnitReserved(vertx, reservation, shopper)
        .compose(r -> soon.createReserved(shopper, orderId, reservation))
        .compose(order -> {
          int[] looks = {0};
          return store.platform.Loops.until(java.util.List.<String>of(),
              seen -> seen.contains("CREATED") || looks[0]++ > 200,
              seen -> storeVertx.timer(20).compose(t -> notices.get()));
        })
        .map(seen -> {
          assertThat(seen).as("the notice as sent at the order's creation").containsExactly("CREATED");
          return seen;
        })
        // the notice lost, as with a process killed before it went out
        .compose(seen -> cql.run("test.lose-notice", "DELETE FROM notifications WHERE username = ?",
            shopper.username()))
        .compose(v -> notices.get()).compose(none -> {
          assertThat(none).as("the notice is lost").isEmpty();
          return storeVertx.timer(processingMs + 500);
        })
        // this service's timers, or the store's own lifecycle, whichever comes first
        .compose(t -> soon.runDueTimers(() -> false))
        .compose(fired -> notices.get())
        .map(statuses -> {
          assertThat(statuses).as("every notice, in the order of the changes").containsExactly("CREATED",
              "PROCESSING");
          return null;
        }));
  }
}
