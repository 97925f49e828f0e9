package dev.eventrouter.queues.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryAfterTest {

  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

  /** What a destination can ask for is honoured up to thirty days; what is no wait is ignored. */
  @Test
  void aWaitIsHonouredUpToThirtyDays() {
    assertThat(RetryAfter.parse("120", NOW)).contains(Duration.ofSeconds(120));
    assertThat(RetryAfter.parse(" 2592000 ", NOW)).contains(Duration.ofDays(30));
    assertThat(RetryAfter.parse("31536000", NOW)).contains(Duration.ofDays(30));
    assertThat(RetryAfter.parse("99999999999999999999999", NOW)).contains(Duration.ofDays(30));
    assertThat(RetryAfter.parse("Tue, 01 Dec 2026 10:01:00 GMT", NOW))
        .contains(Duration.ofMinutes(1));
    assertThat(RetryAfter.parse("Wed, 21 Oct 2099 07:28:00 GMT", NOW))
        .contains(Duration.ofDays(30));
    assertThat(RetryAfter.parse("Mon, 01 Jan 1990 00:00:00 GMT", NOW)).contains(Duration.ZERO);
    assertThat(RetryAfter.parse("-5", NOW)).isEmpty();
    assertThat(RetryAfter.parse("soon", NOW)).isEmpty();
    assertThat(RetryAfter.parse("", NOW)).isEmpty();
  }
}
