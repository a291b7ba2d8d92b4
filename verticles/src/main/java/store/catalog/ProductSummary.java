package store.catalog;

import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.UUID;

/** What a listing shows of a product: the seed's {@code {product_id, name, category, price}}. */
record ProductSummary(UUID productId, String name, String category, BigDecimal price) {
  JsonObject toJson() {
    return new JsonObject().put("product_id", productId.toString()).put("name", name).put("category", category)
        .put("price", price);
  }
}
