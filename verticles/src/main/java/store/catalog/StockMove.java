package store.catalog;

/**
 * How one reservation line moves a product's stock. Each move leaves a marker (keyed by reservation id) in the
 * product's own row, written by the same compare-and-set as the count, so a crash or a timeout of unknown outcome
 * never leaves anyone guessing whether the stock moved:
 * <ul>
 *   <li>{@code TAKE}: count − quantity, and {@code pending_holds[reservation] = quantity} (taken, not yet RESERVED);
 *   <li>{@code UNDO_TAKE}: count + the held quantity, and the hold removed (a reservation that never completed);
 *   <li>{@code RETURN}: count + quantity, and {@code pending_returns[reservation] = quantity} (a release, once).
 * </ul>
 * Markers of a reservation whose outcome its own row records (RESERVED, ORDERED, RELEASED) are cleared afterwards,
 * by the product's next move or, when none comes soon, by a write of their own.
 */
enum StockMove {
  TAKE("take"), UNDO_TAKE("undo"), RETURN("return");

  private final String statement;

  StockMove(String statement) {
    this.statement = statement;
  }

  /** The count after this move of {@code quantity} from {@code count}. */
  int after(int count, int quantity) {
    return this == TAKE ? count - quantity : count + quantity;
  }

  /** The move's name in the store's Cassandra metrics ({@code query="stock.take"}). */
  String statement() {
    return statement;
  }
}
