package store.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A client cannot choose the address its rate limits are counted under; only a trusted proxy can name it. */
@ExtendWith(VertxExtension.class)
class ClientAddressTest {

  private void check(Vertx vertx, VertxTestContext ctx, Set<String> trusted, String expected) {
    ClientAddress addresses = new ClientAddress(trusted);
    vertx.createHttpServer().requestHandler(req -> req.response().end(addresses.of(req)))
        .listen(0, "127.0.0.1")
        .compose((HttpServer server) -> {
          HttpClient client = vertx.createHttpClient();
          return client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
                  .setPort(server.actualPort()).setURI("/").putHeader("X-Real-IP", "203.0.113.9"))
              .compose(req -> req.send().compose(r -> r.body()));
        })
        .onComplete(ctx.succeeding(body -> ctx.verify(() -> {
          assertThat(body.toString()).isEqualTo(expected);
          ctx.completeNow();
        })));
  }

  @Test
  void anUntrustedPeersHeaderIsIgnored(Vertx vertx, VertxTestContext ctx) {
    check(vertx, ctx, Set.of(), "127.0.0.1");
  }

  @Test
  void theGatewaysHeaderNamesTheClient(Vertx vertx, VertxTestContext ctx) {
    check(vertx, ctx, Set.of("127.0.0.1"), "203.0.113.9");
  }

  @Test
  void aTrustedRangeCoversTheGatewayToo(Vertx vertx, VertxTestContext ctx) {
    check(vertx, ctx, Set.of("10.0.0.0/8", "127.0.0.0/24"), "203.0.113.9");
  }

  @Test
  void aRangeThatDoesNotCoverThePeerTrustsNothing(Vertx vertx, VertxTestContext ctx) {
    check(vertx, ctx, Set.of("127.0.1.0/24", "::1/128"), "127.0.0.1");
  }

  @Test
  void namesAndBadRangesAreRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ClientAddress(Set.of("gateway.local")))
        .hasMessageContaining("TRUSTED_PROXIES");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ClientAddress(Set.of("10.0.0.0/33")))
        .hasMessageContaining("prefix");
  }
}
