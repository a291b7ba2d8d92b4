package store.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import store.cart.CartModule;
import store.cart.api.CartOperations;
import store.catalog.CatalogModule;
import store.catalog.api.CatalogOperations;
import store.order.OrderModule;
import store.order.api.OrderOperations;
import store.platform.ServiceModule;
import store.platform.transport.Operation;
import store.user.UserModule;
import store.user.api.UserOperations;

/**
 * Each service serves exactly the internal operations its {@code api} package declares, and nothing else: the
 * declaration is the one place an operation's name, callers and retry policy live.
 */
class ContractsTest {

  @Test
  void everyModuleServesItsDeclaredOperationsOnly() {
    Map<ServiceModule, List<Operation<?, ?>>> contracts = Map.of(
        new CatalogModule(), CatalogOperations.ALL,
        new CartModule(), CartOperations.ALL,
        new OrderModule(), OrderOperations.ALL,
        new UserModule(), UserOperations.ALL);
    contracts.forEach((module, declared) -> assertThat(module.internal().names()).as(module.name())
        .isEqualTo(declared.stream().map(Operation::name).collect(Collectors.toSet())));
  }

  @Test
  void checkoutIsTheOnlyOperationTheTransportMayNotRetry() {
    // a retried checkout without the shopper's idempotency key could order twice
    assertThat(Operation.idempotent(CartOperations.ALL)).isEqualTo(Set.of("get-cart"));
    assertThat(Operation.idempotent(CatalogOperations.ALL)).hasSize(CatalogOperations.ALL.size());
  }
}
