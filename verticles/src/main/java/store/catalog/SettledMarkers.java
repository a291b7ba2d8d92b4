package store.catalog;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This process's queue, per product, of the stock markers that may go: the holds of reservations now RESERVED (or
 * later), the returns of reservations now RELEASED. The product's next stock move clears them in its own write, or
 * a write of their own does ({@link Reservations}). Every change is made inside a map's {@code compute}, so the
 * event loops that share it never lose an entry.
 */
final class SettledMarkers {
  private final Map<UUID, Set<String>> holds = new ConcurrentHashMap<>();
  private final Map<UUID, Set<String>> returns = new ConcurrentHashMap<>();

  void add(UUID productId, String reservationId, boolean returnsToo) {
    add(holds, productId, reservationId);
    if (returnsToo) {
      add(returns, productId, reservationId);
    }
  }

  boolean any(UUID productId) {
    return holds.containsKey(productId) || returns.containsKey(productId);
  }

  /** What is queued for the product now (a copy). */
  CatalogRepository.Settled of(UUID productId) {
    return new CatalogRepository.Settled(copy(holds, productId), copy(returns, productId));
  }

  /** A write that cleared {@code settled} applied: they leave the queue. */
  void cleared(UUID productId, CatalogRepository.Settled settled) {
    remove(holds, productId, settled.holds());
    remove(returns, productId, settled.returns());
  }

  private static void add(Map<UUID, Set<String>> queues, UUID productId, String reservationId) {
    queues.compute(productId, (id, queued) -> {
      Set<String> set = queued == null ? new HashSet<>() : queued;
      set.add(reservationId);
      return set;
    });
  }

  private static Set<String> copy(Map<UUID, Set<String>> queues, UUID productId) {
    Set<String> copied = new HashSet<>();
    queues.computeIfPresent(productId, (id, queued) -> {
      copied.addAll(queued);
      return queued;
    });
    return copied;
  }

  private static void remove(Map<UUID, Set<String>> queues, UUID productId, Set<String> cleared) {
    queues.computeIfPresent(productId, (id, queued) -> {
      queued.removeAll(cleared);
      return queued.isEmpty() ? null : queued; // an empty queue is no entry: any() stays a look-up
    });
  }
}
