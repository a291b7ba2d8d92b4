package store.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import store.catalog.CatalogRepository.Sort;
import store.catalog.CatalogService.ListQuery;

/**
 * The listing's pure logic, without Cassandra: the sort key Cassandra clusters names by, the merge of the shards of
 * the listing of everything, and the page's counters.
 */
class ListingOrderTest {
  private static final String LETTERS = "aAbBzZéÉöÖяЯжЖ _-1ßİı";

  @Test
  void nameKeysSortAsTheCaseInsensitiveOrder() {
    Random random = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      String a = word(random);
      String b = word(random);
      int expected = Integer.signum(String.CASE_INSENSITIVE_ORDER.compare(a, b));
      assertThat(Integer.signum(CatalogRepository.nameKey(a).compareTo(CatalogRepository.nameKey(b))))
          .as("%s vs %s", a, b).isEqualTo(expected);
    }
  }

  @Test
  void shardsMergeIntoTheListingsOrder() {
    Random random = new Random(11);
    List<ProductSummary> all = IntStream.range(0, 400).mapToObj(i -> new ProductSummary(UUID.randomUUID(),
        word(random), "c", BigDecimal.valueOf(random.nextInt(50), 1))).toList();
    for (Sort sort : Sort.values()) {
      for (Comparator<ProductSummary> order : List.of(sort.order, sort.order.reversed())) {
        List<List<ProductSummary>> shards = new ArrayList<>();
        for (int s = 0; s < CatalogRepository.ALL_SHARDS; s++) {
          int shard = s;
          shards.add(all.stream().filter(p -> Math.floorMod(p.productId().hashCode(), CatalogRepository.ALL_SHARDS)
              == shard).sorted(order).toList());
        }
        List<ProductSummary> expected = new ArrayList<>(all);
        expected.sort(order);
        assertThat(CatalogService.merge(shards, order)).as("%s", sort).containsExactlyElementsOf(expected);
      }
    }
  }

  @Test
  void pageCountersFollowSkipLimitAndTotal() {
    JsonObject middle = new JsonObject(CatalogService.encode(List.of(), 7, query(3, 3)));
    assertThat(middle.getInteger("page")).isEqualTo(2);
    assertThat(middle.getInteger("pages")).isEqualTo(3);
    assertThat(middle.getBoolean("has_next")).isTrue();
    assertThat(middle.getBoolean("has_prev")).isTrue();
    JsonObject nearIntMax = new JsonObject(CatalogService.encode(List.of(), 7, query(2_147_483_600, 100)));
    assertThat(nearIntMax.getBoolean("has_next")).as("skip + limit does not overflow").isFalse();
    JsonObject empty = new JsonObject(CatalogService.encode(List.of(), 0, query(0, 20)));
    assertThat(empty.getInteger("pages")).isZero();
    assertThat(empty.getJsonArray("items")).isEmpty();
  }

  private static ListQuery query(int skip, int limit) {
    return new ListQuery("c", skip, limit, null, false, null, null);
  }

  private static String word(Random random) {
    StringBuilder word = new StringBuilder();
    for (int i = random.nextInt(6) + 1; i > 0; i--) {
      word.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
    }
    return word.toString();
  }
}
