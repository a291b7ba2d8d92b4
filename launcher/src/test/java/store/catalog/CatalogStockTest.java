package store.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static store.catalog.CatalogApi.product;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.catalog.api.CatalogClient;
import store.catalog.api.CatalogOperations;
import store.platform.Caller;
import store.platform.ProblemException;
import store.platform.transport.CallMetrics;
import store.platform.transport.EventBusChannel;
import store.testing.TestStore;

/**
 * Stock reservation and release through the catalog's internal operations, as the order service uses them: on the
 * store's own event bus ({@code store.catalog.internal}), with the typed {@link CatalogClient}.
 */
@ExtendWith(VertxExtension.class)
class CatalogStockTest {
  private static final Caller ORDER_SERVICE = Caller.system("order");
  private static String base;
  private static CatalogClient catalog;

  @BeforeAll
  static void store() throws Exception {
    base = TestStore.start();
    catalog = new CatalogClient(new EventBusChannel(TestStore.vertx(), "order", "catalog", 60_000,
        new CallMetrics(new SimpleMeterRegistry())));
  }

  private static JsonArray lines(Object... productAndQuantity) {
    JsonArray lines = new JsonArray();
    for (int i = 0; i < productAndQuantity.length; i += 2) {
      lines.add(new JsonObject().put("product_id", productAndQuantity[i]).put("quantity", productAndQuantity[i + 1]));
    }
    return lines;
  }

  /** The stock as the public GET answers it. */
  private static Future<Integer> stock(CatalogApi api, String productId) {
    return api.find(productId).map(p -> p.getInteger("stock_count"));
  }

  private static ProblemException problem(Throwable failure) {
    assertThat(failure).as("failure type").isInstanceOf(ProblemException.class);
    return (ProblemException) failure;
  }

  @Test
  @Timeout(value = 3, timeUnit = TimeUnit.MINUTES)
  void concurrentReservationsNeverOversell(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String category = CatalogApi.newCategory("stock-race");
    AtomicInteger succeeded = new AtomicInteger();
    AtomicInteger conflicts = new AtomicInteger();
    List<Throwable> others = java.util.Collections.synchronizedList(new ArrayList<>());
    api.create(product("Last ten", category, 5.0, 10)).compose(p -> {
      String id = p.getString("product_id");
      List<Future<Void>> attempts = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        attempts.add(catalog.reserve("race-" + UUID.randomUUID(), lines(id, 1), ORDER_SERVICE)
            .<Void>map(r -> {
              succeeded.incrementAndGet();
              return null;
            })
            .recover(e -> {
              if (e instanceof ProblemException pe && pe.status() == 409) {
                conflicts.incrementAndGet();
              } else {
                others.add(e);
              }
              return Future.succeededFuture();
            }));
      }
      return Future.all(attempts).compose(v -> stock(api, id));
    }).map(finalStock -> {
      assertThat(others).as("failures other than 409").isEmpty();
      assertThat(succeeded.get()).as("successful reservations").isEqualTo(10);
      assertThat(conflicts.get()).as("409 conflicts").isEqualTo(40);
      assertThat(finalStock).as("stock after the race").isZero();
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @Timeout(value = 3, timeUnit = TimeUnit.MINUTES)
  void priceUpdatesDuringReservationsDoNotResetStock(Vertx vertx, VertxTestContext ctx) {
    // an admin's partial PUT (price only) racing checkouts must not write back the stock it read before them
    CatalogApi api = new CatalogApi(vertx, base);
    String category = CatalogApi.newCategory("stock-put-race");
    api.create(product("Busy", category, 10.0, 100)).compose(p -> {
      String id = p.getString("product_id");
      List<Future<?>> work = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        work.add(catalog.reserve("put-race-" + UUID.randomUUID(), lines(id, 1), ORDER_SERVICE));
        work.add(api.put("/api/products/" + id, CatalogApi.ADMIN, new JsonObject().put("price", 10.0 + i))
            .map(r -> {
              assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
              return r;
            }));
      }
      return Future.all(work).compose(v -> stock(api, id));
    }).map(finalStock -> {
      assertThat(finalStock).as("100 minus 30 reserved, whatever the PUTs did").isEqualTo(70);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void reservationIsAllOrNothing(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String category = CatalogApi.newCategory("stock-atomic");
    api.createAll(List.of(product("Cup", category, 3.0, 5), product("Saucer", category, 2.0, 2)))
        .compose(created -> {
          // the short line second in product-id order: had the lines been taken one by one, in that order, the
          // first would still have been taken and had to be put back (they are taken side by side)
          List<JsonObject> ordered = new ArrayList<>(created);
          ordered.sort((a, b) -> UUID.fromString(a.getString("product_id"))
              .compareTo(UUID.fromString(b.getString("product_id"))));
          JsonObject first = ordered.get(0);
          JsonObject second = ordered.get(1);
          int firstStock = first.getInteger("stock_count");
          int secondStock = second.getInteger("stock_count");
          String reservation = "atomic-" + UUID.randomUUID();
          return catalog.reserve(reservation, lines(second.getString("product_id"), secondStock + 1,
                  first.getString("product_id"), 1), ORDER_SERVICE)
              .transform(ar -> {
                assertThat(ar.failed()).as("a reservation with an unfillable line fails").isTrue();
                ProblemException p = problem(ar.cause());
                assertThat(p.status()).isEqualTo(409);
                assertThat(p.detail()).contains(second.getString("name"));
                return Future.all(stock(api, first.getString("product_id")),
                    stock(api, second.getString("product_id")));
              })
              .map(stocks -> {
                assertThat((Integer) stocks.resultAt(0)).as("first line's stock was put back").isEqualTo(firstStock);
                assertThat((Integer) stocks.resultAt(1)).as("short line's stock untouched").isEqualTo(secondStock);
                return reservation;
              })
              // the failed reservation id left nothing behind: a release is a no-op
              .compose(id -> catalog.release(id, ORDER_SERVICE))
              .compose(released -> {
                assertThat(released.released()).isFalse();
                return Future.all(stock(api, first.getString("product_id")),
                    stock(api, second.getString("product_id")));
              })
              .map(stocks -> {
                assertThat((Integer) stocks.resultAt(0)).isEqualTo(firstStock);
                assertThat((Integer) stocks.resultAt(1)).isEqualTo(secondStock);
                return null;
              });
        }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void unknownProductFailsWithoutTakingStock(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String category = CatalogApi.newCategory("stock-unknown");
    api.create(product("Plate", category, 4.0, 6)).compose(p -> {
      String id = p.getString("product_id");
      return catalog.reserve("unknown-" + UUID.randomUUID(), lines(id, 2, UUID.randomUUID().toString(), 1),
              ORDER_SERVICE)
          .transform(ar -> {
            assertThat(ar.failed()).isTrue();
            assertThat(problem(ar.cause()).status()).isEqualTo(404);
            return stock(api, id);
          });
    }).map(stock -> {
      assertThat(stock).isEqualTo(6);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void reserveIsIdempotentAndReleaseGivesBackOnce(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String category = CatalogApi.newCategory("stock-idem");
    String reservation = "idem-" + UUID.randomUUID();
    api.create(product("Spoon", category, 1.25, 8)).compose(p -> {
      String id = p.getString("product_id");
      return catalog.reserve(reservation, lines(id, 3), ORDER_SERVICE)
          .compose(first -> {
            assertThat(first.reservationId()).isEqualTo(reservation);
            CatalogOperations.Line line = first.lines().get(0);
            assertThat(line.productId()).hasToString(id);
            assertThat(line.quantity()).isEqualTo(3);
            assertThat(line.name()).isEqualTo("Spoon");
            assertThat(line.price()).isEqualByComparingTo("1.25");
            return stock(api, id).map(s -> {
              assertThat(s).as("after the reservation").isEqualTo(5);
              return first;
            });
          })
          .compose(first -> catalog.reserve(reservation, lines(id, 3), ORDER_SERVICE).map(again -> {
            assertThat(again).as("a retry answers the same reservation").isEqualTo(first);
            return null;
          }))
          .compose(v -> stock(api, id)).map(s -> {
            assertThat(s).as("a retried reservation takes nothing more").isEqualTo(5);
            return null;
          })
          .compose(v -> catalog.release(reservation, ORDER_SERVICE))
          .compose(released -> {
            assertThat(released.released()).isTrue();
            return stock(api, id);
          }).map(s -> {
            assertThat(s).as("after the release").isEqualTo(8);
            return null;
          })
          .compose(v -> catalog.release(reservation, ORDER_SERVICE))
          .compose(released -> {
            assertThat(released.released()).as("a second release").isFalse();
            return stock(api, id);
          }).map(s -> {
            assertThat(s).as("a second release gives nothing back").isEqualTo(8);
            return null;
          })
          .compose(v -> catalog.reserve(reservation, lines(id, 3), ORDER_SERVICE).transform(ar -> {
            // a released reservation id is spent: reusing it neither succeeds nor takes stock
            assertThat(ar.failed()).as("reserve with a released id").isTrue();
            assertThat(problem(ar.cause()).status()).isEqualTo(409);
            return stock(api, id);
          })).map(s -> {
            assertThat(s).isEqualTo(8);
            return null;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void concurrentReleasesGiveBackOnce(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String category = CatalogApi.newCategory("stock-release");
    String reservation = "release-" + UUID.randomUUID();
    api.create(product("Fork", category, 1.0, 4)).compose(p -> {
      String id = p.getString("product_id");
      return catalog.reserve(reservation, lines(id, 4), ORDER_SERVICE)
          .compose(r -> {
            List<Future<CatalogOperations.Release>> releases = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
              releases.add(catalog.release(reservation, ORDER_SERVICE));
            }
            return Future.all(releases).map(all -> {
              long released = all.<CatalogOperations.Release>list().stream()
                  .filter(CatalogOperations.Release::released).count();
              assertThat(released).as("releases that gave stock back").isEqualTo(1);
              return null;
            });
          })
          .compose(v -> stock(api, id));
    }).map(s -> {
      assertThat(s).isEqualTo(4);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aRetryMeetingItsOwnFirstAttemptWaitsForItInsteadOfFailing(Vertx vertx, VertxTestContext ctx) {
    CatalogApi api = new CatalogApi(vertx, base);
    String category = CatalogApi.newCategory("stock-retry");
    String reservation = "retry-" + UUID.randomUUID();
    api.create(product("Knife", category, 2.0, 6)).compose(p -> {
      String id = p.getString("product_id");
      // as when a transport retries while the first request is still being served
      List<Future<CatalogOperations.Reservation>> attempts = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        attempts.add(catalog.reserve(reservation, lines(id, 2), ORDER_SERVICE));
      }
      return Future.all(attempts).map(all -> {
        List<CatalogOperations.Reservation> answers = all.list();
        assertThat(answers).allSatisfy(a -> assertThat(a).isEqualTo(answers.get(0)));
        return null;
      }).compose(v -> stock(api, id));
    }).map(s -> {
      assertThat(s).as("taken once").isEqualTo(4);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }
}
