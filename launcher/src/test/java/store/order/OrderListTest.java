package store.order;

import static org.assertj.core.api.Assertions.assertThat;
import static store.testing.StoreApi.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import store.platform.Cql;
import store.testing.StoreApi;
import store.testing.StoreApi.Response;
import store.testing.TestStore;

/**
 * The order lists read what was written beside each order (per user, per day), newest first and paged by cursor;
 * they catch up with a status change whose follow-up a crash lost, and orders written before the lists existed are
 * copied in once without undoing a newer change.
 */
class OrderListTest {
  private static StoreApi api;
  private static String admin;
  private static Cql cql;
  private static OrderRepository repository;

  @BeforeAll
  static void store() throws Exception {
    String base = TestStore.start();
    Vertx vertx = TestStore.vertx();
    api = StoreApi.allInOne(vertx, base);
    admin = TestStore.token("order-list-admin", true);
    cql = TestStore.cql();
    repository = new OrderRepository(cql);
  }

  private static String order(String token, String productId) {
    Response placed = api.post("order", "/orders/", token, new JsonObject().put("items", new JsonArray()
        .add(new JsonObject().put("product_id", productId).put("quantity", 1))));
    assertThat(placed.status()).as(placed.toString()).isEqualTo(200);
    return placed.json().getString("id");
  }

  /** Every page of a list, following {@code X-Next-Cursor}, until {@code enough} ids have been seen or none follows. */
  private static List<JsonArray> pages(String token, String query, int enough) {
    List<JsonArray> pages = new ArrayList<>();
    String cursor = null;
    int seen = 0;
    do {
      Response page = api.get("order", "/orders/?" + query + (cursor == null ? "" : "&cursor=" + cursor), token);
      assertThat(page.status()).as(page.toString()).isEqualTo(200);
      pages.add(page.array());
      seen += page.array().size();
      cursor = page.headers().get("X-Next-Cursor");
    } while (cursor != null && seen < enough);
    return pages;
  }

  private static List<String> ids(List<JsonArray> pages) {
    return pages.stream().flatMap(JsonArray::stream).map(o -> ((JsonObject) o).getString("id")).toList();
  }

  @Test
  void listsArePagedNewestFirstByCursor() {
    String shopper = api.registerAndLogin("lister-" + UUID.randomUUID().toString().substring(0, 8), "lister-pass-1");
    String productId = api.createProduct(admin, "order-lists", "Listed", 3.0, 50);
    List<String> placed = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      placed.add(order(shopper, productId));
    }
    List<String> newestFirst = new ArrayList<>(placed);
    java.util.Collections.reverse(newestFirst);

    List<JsonArray> own = pages(shopper, "limit=2&history=true", Integer.MAX_VALUE);
    assertThat(own).extracting(JsonArray::size).containsExactly(2, 2, 1);
    assertThat(ids(own)).containsExactlyElementsOf(newestFirst);
    assertThat(ids(List.of(api.get("order", "/orders/?history=true", shopper).array())))
        .as("a user's list without a limit is whole, as it always was").containsExactlyElementsOf(newestFirst);

    // everyone's orders, paged by three: these five are the newest, so they lead, in order, without repeats
    List<String> everyone = ids(pages(admin, "limit=3&history=true", 6));
    assertThat(everyone.subList(0, 5)).containsExactlyElementsOf(newestFirst);
    assertThat(everyone).doesNotHaveDuplicates();
    assertThat(api.get("order", "/orders/", admin).array().size()).as("an admin's page without a limit")
        .isLessThanOrEqualTo(OrderService.ADMIN_PAGE);

    Response bad = api.get("order", "/orders/?cursor=yesterday", admin);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body().toString()).contains("cursor");
    assertThat(api.get("order", "/orders/?limit=0", admin).status()).isEqualTo(400);
  }

  /**
   * A process that died right after an order's compare-and-set, before the order's list rows, notification and next
   * timer: the earlier timer, still filed, fires, loses its compare-and-set and settles the order as it now is, so
   * the order goes on through its lifecycle and its list row follows.
   */
  @Test
  void aStatusChangeWhoseFollowUpWasLostIsSettledByTheEarlierTimer() {
    String name = "settle-" + UUID.randomUUID().toString().substring(0, 8);
    String shopper = api.registerAndLogin(name, "settle-pass-1");
    UUID id = UUID.fromString(order(shopper, api.createProduct(admin, "order-settle", "Settled", 2.0, 5)));
    // the change alone, as the crashed process made it, then its CREATED timer comes due
    assertThat(await(repository.transition(id, OrderStatus.CREATED, OrderStatus.PROCESSING, Instant.now()))).isTrue();
    await(repository.schedule(id, OrderStatus.CREATED, Instant.now().minusSeconds(1)));
    // the store's lifecycle polls its timers every 100 ms here

    JsonArray listed = StoreApi.eventually(Duration.ofSeconds(15),
        () -> api.get("order", "/orders/?history=true", shopper).array(),
        list -> "DELIVERED".equals(list.getJsonObject(0).getString("status")));
    assertThat(listed.getJsonObject(0).getString("status")).as("delivered, and the list shows it")
        .isEqualTo("DELIVERED");
    assertThat(api.get("user", "/users/me/notifications", shopper).body().toString())
        .as("the user was told of the change the crash kept quiet").contains("PROCESSING");
  }

  @Test
  void ordersFromBeforeTheListsAreCopiedOnceWithoutUndoingANewerChange() {
    String username = "legacy-" + UUID.randomUUID();
    Instant created = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);
    UUID stale = UUID.randomUUID();
    UUID untouched = UUID.randomUUID();
    for (UUID id : List.of(stale, untouched)) {
      await(cql.run("test.legacy-order", "INSERT INTO orders (order_id, username, items, total, status, created_at, "
              + "updated_at, archived) VALUES (?, ?, '[]', ?, 'CREATED', ?, ?, false)", id, username,
          new BigDecimal("7.00"), id == stale ? created : created.plusSeconds(1),
          id == stale ? created : created.plusSeconds(1)));
    }
    // a change of the first order, written to the lists after the copy read the orders table
    await(repository.writeListRows(new OrderRepository.ListRow(stale, username, "[]", new BigDecimal("7.00"),
        "CANCELLED", created, Instant.now(), false)));
    await(cql.run("test.forget-copy", "DELETE FROM order_progress WHERE name = ?", OrderRepository.LISTS_MIGRATION));
    await(cql.run("test.forget-lease", "DELETE FROM order_leases WHERE name = ?", OrderRepository.LISTS_MIGRATION));
    await(repository.copyIntoLists("test"));

    List<OrderRepository.ListRow> listed = await(repository.ordersOf(username, null, 10));
    assertThat(listed).extracting(OrderRepository.ListRow::orderId).containsExactly(untouched, stale);
    assertThat(listed.get(1).status()).as("the newer change wins over the copy").isEqualTo("CANCELLED");
    assertThat(listed.get(0).status()).isEqualTo("CREATED");
    assertThat(listed.get(0).createdAt()).isEqualTo(created.plusSeconds(1));
  }
}
