package dev.eventrouter.queues.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** An event's time as the analytics tools get it. */
class SegmentEventTest {

  /**
   * A phone whose clock was reset to 1970 sends an event five seconds after it happened: it
   * happened five seconds before the router received it, as Segment corrects it (Mixpanel refuses
   * times before 1971).
   */
  @Test
  void aDevicesWrongClockIsCorrectedBySentAtAndReceivedAt() {
    SegmentEvent event =
        parse(
            """
            {"type":"track","event":"Played","anonymousId":"device-1",
             "timestamp":"1970-01-01T00:10:00.000Z","sentAt":"1970-01-01T00:10:05.000Z",
             "receivedAt":"2026-12-01T10:00:00.000Z"}
            """);

    assertThat(event.timestamp()).contains(Instant.parse("2026-12-01T09:59:55Z"));
  }

  /** An event Segment delivered is corrected already: its device's time is originalTimestamp. */
  @Test
  void anEventSegmentCorrectedIsNotCorrectedAgain() {
    SegmentEvent event =
        parse(
            """
            {"type":"track","event":"Played","anonymousId":"device-1",
             "originalTimestamp":"1970-01-01T00:10:00.000Z","sentAt":"1970-01-01T00:10:05.000Z",
             "timestamp":"2026-12-01T09:59:55.000Z","receivedAt":"2026-12-01T10:00:00.000Z"}
            """);

    assertThat(event.timestamp()).contains(Instant.parse("2026-12-01T09:59:55Z"));
  }

  @Test
  void withoutSentAtOrReceivedAtTheTimestampIsTakenAsSent() {
    assertThat(
            parse(
                    """
                    {"type":"track","event":"Played","timestamp":"2026-11-30T10:00:00.000+01:00",
                     "receivedAt":"2026-12-01T10:00:00.000Z"}
                    """)
                .timestamp())
        .contains(Instant.parse("2026-11-30T09:00:00Z"));
  }

  /** Both forms of offset the Segment API accepts, the adapters read too. */
  @Test
  void anOffsetWithoutAColonIsReadAsTheSegmentApiReadsIt() {
    assertThat(
            parse("{\"type\":\"track\",\"timestamp\":\"2026-11-30T10:00:00.000+0100\"}")
                .timestamp())
        .contains(Instant.parse("2026-11-30T09:00:00Z"));
    assertThatThrownBy(() -> parse("{\"type\":\"track\",\"timestamp\":\"yesterday\"}"))
        .hasMessage("timestamp is not an ISO-8601 date-time with an offset");
  }

  private static SegmentEvent parse(String json) {
    return SegmentEvent.parse(json.getBytes(StandardCharsets.UTF_8));
  }
}
