package store.platform;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The access log's times read as the log pattern prints its own lines' ({@code HH:mm:ss.SSS}, local time), and a
 * busy second's lines go out in bounded logging events, every line once and in order.
 */
class RequestLogTest {

  @Test
  void aBacklogIsWrittenInBoundedEventsEveryLineOnceInOrder() {
    Logger access = (Logger) RequestLog.ACCESS;
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    access.addAppender(events);
    try {
      int lines = 20_000; // a busy 100 ms: about 2.5 MB of lines
      for (int i = 0; i < lines; i++) {
        RequestLog.internal("backlog-test", "op", "test", 200, System.nanoTime(), "rid-" + i, "-");
      }
      RequestLog.flush();
      List<String> messages = events.list.stream().map(ILoggingEvent::getFormattedMessage)
          .filter(m -> m.contains("backlog-test")).toList();
      assertThat(messages).hasSizeGreaterThan(1);
      assertThat(messages).allSatisfy(m -> assertThat(m.length()).isLessThan(RequestLog.EVENT_CHARS + 1024));
      Matcher ids = Pattern.compile("rid=rid-(\\d+) ").matcher(String.join("\n", messages));
      int expected = 0;
      while (ids.find()) {
        assertThat(Integer.parseInt(ids.group(1))).isEqualTo(expected++);
      }
      assertThat(expected).isEqualTo(lines);
    } finally {
      access.detachAppender(events);
    }
  }

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
