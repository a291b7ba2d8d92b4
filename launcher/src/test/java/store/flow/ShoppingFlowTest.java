package store.flow;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.testing.ShoppingScenario;
import store.testing.StoreApi;
import store.testing.TestStore;

/** The whole shopping flow with every service in one JVM, calling each other over the event bus. */
@ExtendWith(VertxExtension.class)
class ShoppingFlowTest {
  private static String baseUrl;

  @BeforeAll
  static void store() throws Exception {
    baseUrl = TestStore.start();
  }

  @Test
  void theSeedsSequenceWorksEndToEndOverTheEventBus(Vertx vertx) {
    ShoppingScenario.run(StoreApi.allInOne(vertx, baseUrl));
  }
}
