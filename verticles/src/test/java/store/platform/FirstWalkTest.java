package store.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.uuid.Uuids;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A first walk over minute buckets looks back no further than its table's creation, told by the table's id. */
class FirstWalkTest {
  private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
  private static final Duration DAY = Duration.ofDays(1);
  private static final Duration SKEW = Duration.ofMinutes(2);

  @Test
  void aTableMadeMinutesAgoIsWalkedFromItsCreationLessTheClockSkew() {
    UUID madeTenMinutesAgo = Uuids.startOf(NOW.minus(Duration.ofMinutes(10)).toEpochMilli());
    assertThat(Cql.firstWalkFrom(madeTenMinutesAgo, NOW, DAY, SKEW)).isEqualTo(NOW.minus(Duration.ofMinutes(12)));
  }

  @Test
  void anOlderTableOrAnIdThatTellsNothingGetsTheWholeLookback() {
    UUID madeLastWeek = Uuids.startOf(NOW.minus(Duration.ofDays(7)).toEpochMilli());
    assertThat(Cql.firstWalkFrom(madeLastWeek, NOW, DAY, SKEW)).isEqualTo(NOW.minus(DAY));
    assertThat(Cql.firstWalkFrom(UUID.randomUUID(), NOW, DAY, SKEW)).isEqualTo(NOW.minus(DAY));
    assertThat(Cql.firstWalkFrom((UUID) null, NOW, DAY, SKEW)).isEqualTo(NOW.minus(DAY));
  }
}
