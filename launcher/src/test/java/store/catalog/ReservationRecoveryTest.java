package store.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static store.catalog.CatalogApi.product;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.catalog.Reservations.Line;
import store.catalog.api.CatalogClient;
import store.catalog.api.CatalogOperations;
import store.platform.Caller;
import store.platform.Cql;
import store.platform.ProblemException;
import store.platform.transport.CallMetrics;
import store.platform.transport.EventBusChannel;
import store.testing.TestStore;

/**
 * What a crash can leave half-done at each step of a reservation's life, set up as the crash would leave it, then
 * settled by the sweeper; and the stock audit that proves the books balance (or names the product that does not).
 * The sweeper runs here against the test node's tables directly, as the leased background one would.
 */
@ExtendWith(VertxExtension.class)
class ReservationRecoveryTest {
  private static String base;
  private static Cql cql;
  private static CatalogClient fromCart;
  private static CatalogClient fromOrder;
  private CatalogRepository repository;
  private Reservations reservations;

  @BeforeAll
  static void store() throws Exception {
    base = TestStore.start();
    cql = TestStore.cql();
    fromCart = new CatalogClient(new EventBusChannel(TestStore.vertx(), "cart", "catalog", 60_000,
        new CallMetrics(new SimpleMeterRegistry())));
    fromOrder = new CatalogClient(new EventBusChannel(TestStore.vertx(), "order", "catalog", 60_000,
        new CallMetrics(new SimpleMeterRegistry())));
  }

  @BeforeEach
  void sweeper(Vertx vertx) {
    repository = new CatalogRepository(cql);
    reservations = new Reservations(vertx, repository, new CatalogService(vertx, repository, new SimpleMeterRegistry(),
        0), new SimpleMeterRegistry());
  }

  /** Creates the products; their ids, in the order given. */
  private static Future<List<String>> created(CatalogApi api, JsonObject... products) {
    return Future.all(Stream.of(products).map(api::create).toList())
        .map(all -> all.<JsonObject>list().stream().map(p -> p.getString("product_id")).toList());
  }

  /** The stock as Cassandra has it (the store's own product cache does not see this test's sweeper). */
  private Future<Integer> stock(CatalogApi api, String productId) {
    return repository.stockState(UUID.fromString(productId)).map(CatalogRepository.StockState::count);
  }

  private static JsonArray lines(Object... productAndQuantity) {
    JsonArray lines = new JsonArray();
    for (int i = 0; i < productAndQuantity.length; i += 2) {
      lines.add(new JsonObject().put("product_id", productAndQuantity[i]).put("quantity", productAndQuantity[i + 1]));
    }
    return lines;
  }

  private Future<String> state(String reservationId) {
    return repository.reservation(reservationId).map(row -> row == null ? null : row.getString("state"));
  }

  /** The audit's violations that concern these products (other tests' products are theirs to check). */
  private static Future<List<JsonObject>> violations(String... productIds) {
    return StockAudit.run(cql).map(report -> report.getJsonArray("violations").stream().map(o -> (JsonObject) o)
        .filter(v -> List.of(productIds).contains(v.getString("product_id"))).toList());
  }

  @Test
  void aReservationCutShortByACrashIsUndoneAndTheBooksBalance(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String category = CatalogApi.newCategory("crash-pending");
    String reservation = "crash-" + UUID.randomUUID();
    created(api, product("Lamp", category, 3.0, 5), product("Bulb", category, 1.0, 9))
        .compose(ids -> {
          String lamp = ids.get(0);
          String bulb = ids.get(1);
          Instant at = Instant.now();
          // the crash: claimed and filed, the first line taken, then nothing more
          return repository.claimReservation(reservation, Line.toJson(List.of(new Line(UUID.fromString(lamp), 2),
                  new Line(UUID.fromString(bulb), 4))).encode(), "crash-user", at)
              .compose(v -> repository.index(reservation, at))
              .compose(v -> reservations.move(UUID.fromString(lamp), reservation, StockMove.TAKE, 2))
              .compose(v -> stock(api, lamp)).compose(s -> {
                assertThat(s).as("the crash took the lamps").isEqualTo(3);
                return violations(lamp, bulb);
              }).compose(found -> {
                assertThat(found).as("a hold of a PENDING reservation is accounted for").isEmpty();
                return reservations.sweep(Instant.now());
              }).compose(settled -> {
                assertThat(settled).isGreaterThanOrEqualTo(1);
                return Future.all(stock(api, lamp), stock(api, bulb), state(reservation));
              }).compose(after -> {
                assertThat(after.<Integer>resultAt(0)).as("lamps back on the shelf").isEqualTo(5);
                assertThat(after.<Integer>resultAt(1)).as("bulbs never taken, none added").isEqualTo(9);
                assertThat(after.<String>resultAt(2)).isEqualTo("RELEASED");
                return reservations.sweep(Instant.now()).compose(again -> stock(api, lamp));
              }).compose(s -> {
                assertThat(s).as("a second sweep gives nothing back twice").isEqualTo(5);
                return violations(lamp, bulb);
              }).map(found -> {
                assertThat(found).isEmpty();
                return null;
              });
        }).onComplete(ctx.succeedingThenComplete());
  }

  /**
   * A checkout's attempt cut short after its claim and one take (its process died, or its answers were lost), then
   * the same checkout asking again: the retry does not wait for the sweeper's bound. It takes the reservation over,
   * puts back what it took and is told the reservation is closed, so the cart moves on to a fresh one. A take that
   * the cut-short attempt still makes afterwards is put back by the sweeper.
   */
  @Test
  void aRetryTakesOverItsOwnReservationLeftPendingAndALateTakeGoesBack(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String category = CatalogApi.newCategory("crash-retried");
    Caller shopper = new Caller("recovery-retrier-" + UUID.randomUUID(), false);
    String reservation = "order:" + UUID.randomUUID();
    created(api, product("Desk", category, 90.0, 3), product("Chair", category, 40.0, 8))
        .compose(ids -> {
          String desk = ids.get(0);
          String chair = ids.get(1);
          Instant at = Instant.now();
          JsonArray requested = lines(desk, 1, chair, 2);
          return repository.claimReservation(reservation, requested.encode(), shopper.username(), at)
              .compose(v -> repository.index(reservation, at))
              .compose(v -> reservations.move(UUID.fromString(desk), reservation, StockMove.TAKE, 1))
              .compose(v -> fromOrder.reserve(reservation, requested, shopper).transform(retried -> {
                assertThat(retried.failed()).as("the retry's answer").isTrue();
                assertThat(retried.cause()).isInstanceOf(ProblemException.class);
                assertThat(((ProblemException) retried.cause()).slug())
                    .isEqualTo(CatalogOperations.RESERVATION_CLOSED);
                return Future.all(stock(api, desk), stock(api, chair), state(reservation));
              }))
              .compose(after -> {
                assertThat(after.<Integer>resultAt(0)).as("the desk the cut-short attempt took is back").isEqualTo(3);
                assertThat(after.<Integer>resultAt(1)).isEqualTo(8);
                assertThat(after.<String>resultAt(2)).isEqualTo("RELEASED");
                // the cut-short attempt was only slow: it takes a chair now, and dies before it can put it back
                return reservations.move(UUID.fromString(chair), reservation, StockMove.TAKE, 2);
              })
              .compose(v -> stock(api, chair)).compose(s -> {
                assertThat(s).as("the late take").isEqualTo(6);
                return reservations.sweep(Instant.now());
              })
              .compose(settled -> Future.all(stock(api, desk), stock(api, chair)))
              .compose(after -> {
                assertThat(after.<Integer>resultAt(0)).as("nothing given back twice").isEqualTo(3);
                assertThat(after.<Integer>resultAt(1)).as("the late take put back by the sweeper").isEqualTo(8);
                return violations(desk, chair);
              }).map(found -> {
                assertThat(found).isEmpty();
                return null;
              });
        }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aReservationNoOrderCommittedIsReleasedButAnOrderedOneIsNot(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String category = CatalogApi.newCategory("crash-reserved");
    Caller shopper = new Caller("recovery-shopper-" + UUID.randomUUID(), false);
    String abandoned = "order:" + UUID.randomUUID();
    String ordered = "order:" + UUID.randomUUID();
    Instant[] orderedAt = new Instant[1];
    api.create(product("Kettle", category, 20.0, 10)).compose(p -> {
      String id = p.getString("product_id");
      return fromOrder.reserve(abandoned, lines(id, 3), shopper)
          .compose(r -> fromOrder.reserve(ordered, lines(id, 2), shopper))
          .compose(r -> fromOrder.commit(ordered, shopper))
          .compose(committed -> {
            assertThat(committed.reservation().state()).isEqualTo("ORDERED");
            assertThat(committed.committedNow()).as("the call that moved it").isTrue();
            assertThat(committed.orderedAt()).isNotNull();
            orderedAt[0] = committed.orderedAt();
            return fromCart.release(ordered, shopper);
          })
          .compose(refused -> {
            assertThat(refused.released()).as("the owner cannot take back an order's stock").isFalse();
            assertThat(refused.state()).as("and learns that the order exists").isEqualTo("ORDERED");
            return fromOrder.commit(ordered, shopper).map(again -> {
              assertThat(again.reservation().state()).as("commit is idempotent by id").isEqualTo("ORDERED");
              assertThat(again.committedNow()).as("a repeat is not told it committed").isFalse();
              assertThat(again.orderedAt()).as("but when it was").isEqualTo(orderedAt[0]);
              return null;
            });
          }).compose(v -> stock(api, id)).compose(s -> {
            assertThat(s).isEqualTo(5);
            return reservations.sweep(Instant.now());
          }).compose(settled -> Future.all(stock(api, id), state(abandoned), state(ordered)))
          .compose(after -> {
            assertThat(after.<Integer>resultAt(0)).as("only the ordered stock stays taken").isEqualTo(8);
            assertThat(after.<String>resultAt(1)).isEqualTo("RELEASED");
            assertThat(after.<String>resultAt(2)).isEqualTo("ORDERED");
            return fromOrder.release(ordered, Caller.system("order"));
          }).compose(cancelled -> {
            assertThat(cancelled.released()).as("the order service releases a cancelled order").isTrue();
            return stock(api, id);
          }).map(s -> {
            assertThat(s).isEqualTo(10);
            return null;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  /** The commit point's compare-and-set names the owner: another user's commit neither moves it nor sees it. */
  @Test
  void onlyItsOwnerCommitsAReservation(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    Caller shopper = new Caller("commit-owner-" + UUID.randomUUID(), false);
    Caller stranger = new Caller("commit-stranger-" + UUID.randomUUID(), false);
    String reservation = "order:" + UUID.randomUUID();
    api.create(product("Sieve", CatalogApi.newCategory("commit-owner"), 4.0, 3)).compose(p -> {
      String id = p.getString("product_id");
      return fromOrder.reserve(reservation, lines(id, 2), shopper)
          .compose(r -> fromOrder.commit(reservation, stranger).transform(theirs -> {
            assertThat(theirs.failed()).as("a stranger's commit").isTrue();
            assertThat(theirs.cause()).isInstanceOfSatisfying(ProblemException.class,
                e -> assertThat(e.status()).isEqualTo(404));
            return state(reservation);
          }))
          .compose(left -> {
            assertThat(left).as("after a stranger's commit").isEqualTo("RESERVED");
            return fromOrder.commit(reservation, shopper);
          }).map(committed -> {
            assertThat(committed.reservation().state()).isEqualTo("ORDERED");
            assertThat(committed.reservation().lines()).extracting(line -> line.productId().toString())
                .containsExactly(id);
            return null;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aReservationTheSweeperFindsUnorderedGoesBack(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String category = CatalogApi.newCategory("crash-unordered");
    Caller shopper = new Caller("recovery-walker-" + UUID.randomUUID(), false);
    String reservation = "order:" + UUID.randomUUID();
    api.create(product("Toaster", category, 30.0, 4)).compose(p -> {
      String id = p.getString("product_id");
      // the cart reserved, then died before the order service was asked
      return fromOrder.reserve(reservation, lines(id, 4), shopper)
          .compose(r -> reservations.sweep(Instant.now()))
          .compose(settled -> Future.all(stock(api, id), state(reservation)))
          .compose(after -> {
            assertThat(after.<Integer>resultAt(0)).isEqualTo(4);
            assertThat(after.<String>resultAt(1)).isEqualTo("RELEASED");
            return fromOrder.commit(reservation, shopper);
          }).compose(late -> {
            assertThat(late.reservation().state()).as("a late order cannot commit released stock")
                .isEqualTo("RELEASED");
            assertThat(late.committedNow()).isFalse();
            return violations(id);
          }).map(found -> {
            assertThat(found).isEmpty();
            return null;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aReleaseCutShortReturnsEachLineExactlyOnce(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String category = CatalogApi.newCategory("crash-releasing");
    Caller shopper = new Caller("recovery-returner-" + UUID.randomUUID(), false);
    String reservation = "order:" + UUID.randomUUID();
    created(api, product("Cup", category, 2.0, 6), product("Saucer", category, 1.5, 6))
        .compose(ids -> {
          String cup = ids.get(0);
          String saucer = ids.get(1);
          return fromOrder.reserve(reservation, lines(cup, 2, saucer, 3), shopper)
              // the crash: RELEASING recorded, the cups returned, the saucers not
              .compose(r -> repository.moveReservation(reservation, "RESERVED", "RELEASING"))
              .compose(v -> reservations.move(UUID.fromString(cup), reservation, StockMove.RETURN, 2))
              .compose(v -> violations(cup, saucer)).compose(found -> {
                assertThat(found).as("a half-done release is accounted for").isEmpty();
                return reservations.sweep(Instant.now());
              })
              .compose(settled -> Future.all(stock(api, cup), stock(api, saucer), state(reservation)))
              .compose(after -> {
                assertThat(after.<Integer>resultAt(0)).as("cups returned once").isEqualTo(6);
                assertThat(after.<Integer>resultAt(1)).as("saucers returned by the sweeper").isEqualTo(6);
                assertThat(after.<String>resultAt(2)).isEqualTo("RELEASED");
                return violations(cup, saucer);
              }).map(found -> {
                assertThat(found).isEmpty();
                return null;
              });
        }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void theAuditNamesAProductWhoseStockDoesNotAddUp(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String category = CatalogApi.newCategory("audit");
    api.create(product("Vase", category, 9.0, 7)).compose(p -> {
      String id = p.getString("product_id");
      return violations(id).compose(found -> {
        assertThat(found).isEmpty();
        // stock that vanished without a reservation, as a lost write or a bug would make it
        return cql.run("test.tamper", "UPDATE products SET stock_count = 6 WHERE product_id = ?", UUID.fromString(id));
      }).compose(v -> violations(id)).compose(found -> {
        assertThat(found).hasSize(1);
        assertThat(found.get(0).getInteger("stock_total")).isEqualTo(7);
        assertThat(found.get(0).getInteger("stock_count")).isEqualTo(6);
        assertThat(found.get(0).getString("detail")).contains("7 != 6 + 0");
        // an admin's new count moves the total by the same difference: the lost unit stays visible, no more
        return api.put("/api/products/" + id, CatalogApi.ADMIN, new JsonObject().put("stock_count", 11));
      }).compose(updated -> {
        assertThat(updated.statusCode()).as(updated.bodyAsString()).isEqualTo(200);
        return violations(id);
      }).map(found -> {
        assertThat(found).hasSize(1);
        assertThat(found.get(0).getString("detail")).contains("12 != 11 + 0");
        return null;
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  /**
   * A reservation's lines are taken side by side, and given back side by side: a checkout of three products waits for
   * one compare-and-set, not for three in a row. The stock comes out right.
   */
  @Test
  void aReservationsLinesAreTakenAndGivenBackSideBySide(Vertx vertx, VertxTestContext ctx) throws Exception {
    store.testing.StatementsInFlight moves = new store.testing.StatementsInFlight(
        "UPDATE products SET stock_count = ?, pending_holds");
    CatalogRepository watched = new CatalogRepository(moves.cql());
    Reservations sideBySide = new Reservations(vertx, watched, new CatalogService(vertx, watched,
        new SimpleMeterRegistry(), 0), new SimpleMeterRegistry());
    CatalogApi api = new CatalogApi(vertx, base);
    String category = CatalogApi.newCategory("side-by-side");
    Caller shopper = new Caller("side-by-side-" + UUID.randomUUID(), false);
    String reservation = "order:" + UUID.randomUUID();
    created(api, product("Fork", category, 1.0, 5), product("Knife", category, 1.0, 5),
        product("Spoon", category, 1.0, 5))
        .compose(ids -> sideBySide.reserve(reservation, ids.stream().map(id -> new Line(UUID.fromString(id), 2))
                .toList(), shopper.username())
            .compose(reserved -> {
              assertThat(reserved.getJsonArray("lines")).hasSize(3);
              assertThat(moves.most()).as("takes on their way at once").isEqualTo(3);
              moves.reset();
              return Future.all(ids.stream().map(id -> stock(api, id)).toList());
            })
            .compose(stocks -> {
              assertThat(stocks.<Integer>list()).containsExactly(3, 3, 3);
              return sideBySide.release(reservation, shopper);
            })
            .compose(released -> {
              assertThat(released.getBoolean("released")).isTrue();
              assertThat(moves.most()).as("returns on their way at once").isEqualTo(3);
              return Future.all(ids.stream().map(id -> stock(api, id)).toList());
            }))
        .map(stocks -> {
          assertThat(stocks.<Integer>list()).containsExactly(5, 5, 5);
          return null;
        }).onComplete(ctx.succeedingThenComplete());
  }

  /** An admin's stock change whose answer was lost (it landed): read again, it is done, and the total moved once. */
  @Test
  void aStockChangeWhoseAnswerWasLostIsReadAgainNotRepeated(Vertx vertx) throws Exception {
    store.testing.StoreApi api = store.testing.StoreApi.allInOne(TestStore.vertx(), base);
    String admin = TestStore.token("stock-lost-admin", true);
    UUID id = UUID.fromString(api.createProduct(admin, "stock-lost-" + UUID.randomUUID(), "Lost Answer Lamp", 5,
        10));
    CatalogService lossy = new CatalogService(vertx, new CatalogRepository(store.testing.LostAnswers.to(
        "UPDATE products SET stock_count = ?, stock_total")), new SimpleMeterRegistry(), 0);
    store.testing.StoreApi.await(lossy.setStock(id, 7));
    CatalogRepository.StockState state = store.testing.StoreApi.await(repository.stockState(id));
    assertThat(state.count()).isEqualTo(7);
    assertThat(state.total()).as("the shop's total moved by the difference, once").isEqualTo(7);
  }

  /**
   * A reservation claim whose answer was lost (it landed) is read back by its own token: this call's claim goes on;
   * another call for the same reservation (a transport retry) whose answer was lost too is not taken for it.
   */
  @Test
  void aReservationClaimWhoseAnswerWasLostIsKnownByItsToken() throws Exception {
    CatalogRepository lossy = new CatalogRepository(store.testing.LostAnswers.to("INSERT INTO stock_reservations"));
    String id = "order:" + UUID.randomUUID();
    assertThat(store.testing.StoreApi.await(lossy.claimReservation(id, "[]", "lost-claimer", Instant.now())))
        .as("claimed by this call").isNull();
    CatalogRepository.Claim again = store.testing.StoreApi.await(lossy.claimReservation(id, "[]", "lost-claimer",
        Instant.now()));
    assertThat(again).as("a second call for it meets the first one's claim").isNotNull();
    assertThat(again.state()).isEqualTo("PENDING");
  }
}
