package store.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import store.testing.StoreApi;
import store.testing.StoreApi.Response;
import store.testing.TestStore;

/** One request id, from the gateway's header, in the access log of every service a checkout reaches. */
@ExtendWith(VertxExtension.class)
class RequestIdTest {
  private static String baseUrl;

  @BeforeAll
  static void store() throws Exception {
    baseUrl = TestStore.start();
  }

  @Test
  void aCheckoutLeavesItsRequestIdAtEveryServiceItCrosses(Vertx vertx) {
    StoreApi api = StoreApi.allInOne(vertx, baseUrl);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    Logger access = (Logger) LoggerFactory.getLogger("access");
    access.addAppender(lines);
    try {
      String admin = TestStore.token("swagger_admin", true);
      String productId = api.createProduct(admin, "rid-" + UUID.randomUUID(), "Traced Kettle", 30, 5);
      String shopper = api.registerAndLogin("rid_" + UUID.randomUUID().toString().substring(0, 8), "rid-password");
      assertThat(api.addToCart(shopper, productId, 1).status()).isEqualTo(200);
      String rid = "gw-" + UUID.randomUUID();
      Response order = api.send(HttpMethod.POST, "user", "/users/me/orders", shopper, null,
          MultiMap.caseInsensitiveMultiMap().add("X-Request-ID", rid));
      assertThat(order.status()).as(order.toString()).isEqualTo(200);
      assertThat(order.headers().get("X-Request-ID")).isEqualTo(rid);

      // the access log writes its lines in batches: one event, many lines
      List<String> traced = StoreApi.eventually(Duration.ofSeconds(5), () -> List.copyOf(lines.list).stream()
          .flatMap(event -> event.getFormattedMessage().lines())
          .map(l -> l.substring(l.indexOf(" access - ") + 10)).filter(l -> l.contains("rid=" + rid)).toList(),
          found -> found.size() >= 5);
      assertThat(traced).anyMatch(l -> l.startsWith("POST /user-api/users/me/orders 200"))
          .anyMatch(l -> l.contains("cart.checkout from=user 200"))
          .anyMatch(l -> l.contains("order.place from=cart 200"))
          .anyMatch(l -> l.contains("catalog.reserve-ordered from=order 200"));

      Response bad = api.send(HttpMethod.GET, "catalog", "/products/categories/list", shopper, null,
          MultiMap.caseInsensitiveMultiMap().add("X-Request-ID", "no spaces\tor tabs"));
      assertThat(bad.headers().get("X-Request-ID")).as("an insane id is replaced").matches("[0-9a-f-]{36}");
    } finally {
      access.detachAppender(lines);
    }
  }
}
