package store.order;

import java.util.Optional;

/** The order lifecycle: CREATED → PROCESSING → SHIPPING → DELIVERED, or CANCELLED before delivery. */
public enum OrderStatus {
  CREATED, PROCESSING, SHIPPING, DELIVERED, CANCELLED;

  /** The status the timers move an order to next, if any. */
  Optional<OrderStatus> next() {
    return switch (this) {
      case CREATED -> Optional.of(PROCESSING);
      case PROCESSING -> Optional.of(SHIPPING);
      case SHIPPING -> Optional.of(DELIVERED);
      default -> Optional.empty();
    };
  }

  boolean isFinal() {
    return this == DELIVERED || this == CANCELLED;
  }

  /** Admins may move an order forward along the lifecycle, or cancel it before delivery; never back. */
  boolean canMoveTo(OrderStatus target) {
    if (isFinal() || target == this) {
      return false;
    }
    return target == CANCELLED || target.ordinal() > ordinal() && target != CANCELLED;
  }
}
