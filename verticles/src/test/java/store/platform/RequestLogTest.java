package store.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

/** The access log's times read as the log pattern prints its own lines' ({@code HH:mm:ss.SSS}, local time). */
class RequestLogTest {

  @Test
  void timesAreTheLogPatternsLocalTimeAcrossZonesAndSummerTimeChanges() {
    DateTimeFormatter pattern = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    for (String zone : new String[] {"UTC", "Europe/Moscow", "America/New_York", "Asia/Kolkata"}) {
      ZoneId id = ZoneId.of(zone);
      for (String at : new String[] {"2026-11-30T00:00:00.000Z", "2026-11-30T23:59:59.999Z",
          "2026-03-08T06:59:59.950Z", "2026-03-08T07:00:00.005Z", "2026-11-01T05:30:07.042Z", "1969-12-31T23:59:58.5Z"}) {
        Instant instant = Instant.parse(at);
        assertThat(RequestLog.appendTime(new StringBuilder(), instant.toEpochMilli(), id.getRules()).toString())
            .as("%s in %s", at, zone).isEqualTo(pattern.format(instant.atZone(id)));
      }
    }
  }
}
