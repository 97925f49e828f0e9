package dev.eventrouter.queues.destination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  private final RetryPolicy policy = new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(5));
  private final Random random = new Random(7);

  @Test
  void doublesTheDelayPerAttemptWithinHalfAndWholeOfIt() {
    for (int attempt = 1; attempt <= 8; attempt++) {
      long ceiling = 1000L << (attempt - 1);
      for (int draw = 0; draw < 200; draw++) {
        assertThat(policy.delay(attempt, random).toMillis()).isBetween(ceiling / 2, ceiling);
      }
    }
  }

  @Test
  void neverWaitsLongerThanTheCap() {
    for (int attempt : new int[] {10, 20, 31, 64, Integer.MAX_VALUE}) {
      assertThat(policy.delay(attempt, random).toMillis()).isBetween(150_000L, 300_000L);
    }
  }

  @Test
  void spreadsRetriesOfJobsThatFailedTogether() {
    long distinct =
        IntStream.range(0, 100)
            .mapToLong(i -> policy.delay(5, random).toMillis())
            .distinct()
            .count();
    assertThat(distinct).isGreaterThan(50);
  }

  @Test
  void letsRetryAfterWinInFull() {
    Instant now = Instant.parse("2026-11-26T12:00:00Z");
    assertThat(policy.retryAt(1, now, Optional.of(Duration.ofHours(2)), random))
        .isEqualTo(now.plus(Duration.ofHours(2)));
  }

  @Test
  void refusesANonsensePolicy() {
    assertThatThrownBy(() -> new RetryPolicy(Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessageContaining("base");
    assertThatThrownBy(() -> new RetryPolicy(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("cap");
  }
}
