package store.order;

import static org.assertj.core.api.Assertions.assertThat;
import static store.order.OrderStatus.CANCELLED;
import static store.order.OrderStatus.CREATED;
import static store.order.OrderStatus.DELIVERED;
import static store.order.OrderStatus.PROCESSING;
import static store.order.OrderStatus.SHIPPING;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The order lifecycle's rules, without a store: what the timers do next, and what an admin may set. */
class OrderStatusTest {

  @Test
  void theTimersWalkTheLifecycleAndStopAtItsEnds() {
    assertThat(CREATED.next()).contains(PROCESSING);
    assertThat(PROCESSING.next()).contains(SHIPPING);
    assertThat(SHIPPING.next()).contains(DELIVERED);
    assertThat(DELIVERED.next()).isEqualTo(Optional.empty());
    assertThat(CANCELLED.next()).as("a cancelled order is never picked up again").isEqualTo(Optional.empty());
  }

  @Test
  void anAdminMovesAnOrderForwardOrCancelsItBeforeDeliveryNeverBack() {
    assertThat(allowedFrom(CREATED)).containsExactlyInAnyOrder(PROCESSING, SHIPPING, DELIVERED, CANCELLED);
    assertThat(allowedFrom(PROCESSING)).containsExactlyInAnyOrder(SHIPPING, DELIVERED, CANCELLED);
    assertThat(allowedFrom(SHIPPING)).containsExactlyInAnyOrder(DELIVERED, CANCELLED);
    assertThat(allowedFrom(DELIVERED)).as("delivered is final: not even cancelled").isEmpty();
    assertThat(allowedFrom(CANCELLED)).as("cancelled is final").isEmpty();
    assertThat(EnumSet.allOf(OrderStatus.class)).allSatisfy(s -> assertThat(s.canMoveTo(s)).as("%s to itself", s)
        .isFalse());
  }

  private static EnumSet<OrderStatus> allowedFrom(OrderStatus from) {
    EnumSet<OrderStatus> allowed = EnumSet.noneOf(OrderStatus.class);
    Arrays.stream(OrderStatus.values()).filter(from::canMoveTo).forEach(allowed::add);
    return allowed;
  }
}
