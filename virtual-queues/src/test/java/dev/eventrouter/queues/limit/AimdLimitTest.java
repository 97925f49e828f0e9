package dev.eventrouter.queues.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AimdLimitTest {

  static final ConcurrencyLimitSettings SETTINGS =
      new ConcurrencyLimitSettings(20, 2, 40, 0.9, 2.0, Duration.ofMillis(5), 10, 1);

  private static final long MS = 1_000_000L;

  private final AimdLimit limit = new AimdLimit(SETTINGS);

  /** A clock for the answers, in milliseconds; each answer comes after the previous one. */
  private long now = 1_000;

  private void healthy(long latencyMs, int inUse) {
    now += 1;
    limit.answered((now - latencyMs) * MS, now * MS, false, inUse);
  }

  private void failed(long sentAtMs) {
    now += 1;
    limit.answered(sentAtMs * MS, now * MS, true, 20);
  }

  @Test
  void growsByOnePerHealthyAnswerBeforeItsFirstCut() {
    for (int i = 0; i < 5; i++) {
      healthy(10, limit.limit());
    }

    assertThat(limit.limit()).isEqualTo(25);
  }

  @Test
  void doesNotGrowWhileLessThanHalfOfItIsInUse() {
    for (int i = 0; i < 50; i++) {
      healthy(10, 9);
    }

    assertThat(limit.limit()).isEqualTo(20);
  }

  @Test
  void aFailureCutsItOncePerRoundTrip() {
    long sentBeforeTheCut = now;
    failed(now - 10);
    assertThat(limit.limit()).isEqualTo(18);

    // sent under the old limit: already paid for by the cut
    failed(sentBeforeTheCut);
    assertThat(limit.limit()).isEqualTo(18);

    failed(now);
    assertThat(limit.limit()).isEqualTo(16);
  }

  @Test
  void afterACutItGrowsByOnePerRoundTrip() {
    failed(now - 10);
    assertThat(limit.limit()).isEqualTo(18);

    // a round trip: as many healthy answers as the limit (and one, as it grows on the way)
    for (int i = 0; i < 19; i++) {
      healthy(10, 18);
    }

    assertThat(limit.limit()).isEqualTo(19);
  }

  @Test
  void aLatencyWellAboveTheBaselineCutsIt() {
    healthy(10, 5);
    // below 2 x 10 ms + 5 ms: jitter
    healthy(24, 5);
    assertThat(limit.limit()).isEqualTo(20);

    healthy(100, 5);

    assertThat(limit.limit()).isEqualTo(18);
  }

  @Test
  void aLatencyThatStaysHighBecomesTheBaseline() {
    healthy(10, 5);
    long sent = now;
    for (int i = 0; i < 40; i++) {
      // each round trip's first slow answer cuts
      now = Math.max(now, sent + 100);
      healthy(100, 5);
      sent = now;
    }
    int settled = limit.limit();

    for (int i = 0; i < 40; i++) {
      healthy(100, 40);
    }

    assertThat(limit.limit()).isGreaterThan(settled);
  }

  @Test
  void staysWithinItsBounds() {
    for (int i = 0; i < 100; i++) {
      healthy(10, 40);
    }
    assertThat(limit.limit()).isEqualTo(40);

    for (int i = 0; i < 100; i++) {
      failed(now);
    }
    assertThat(limit.limit()).isEqualTo(2);
  }

  @Test
  void badSettingsAreRefusedByName() {
    assertThatThrownBy(
            () -> new ConcurrencyLimitSettings(20, 0, 40, 0.9, 2.0, Duration.ofMillis(5), 10, 1))
        .hasMessageContaining("min must be at least 1");
    assertThatThrownBy(
            () -> new ConcurrencyLimitSettings(20, 1, 40, 1.0, 2.0, Duration.ofMillis(5), 10, 1))
        .hasMessageContaining("backoff-ratio");
    assertThatThrownBy(
            () -> new ConcurrencyLimitSettings(20, 1, 40, 0.5, 1.0, Duration.ofMillis(5), 10, 1))
        .hasMessageContaining("latency-tolerance");
    assertThatThrownBy(
            () -> new ConcurrencyLimitSettings(20, 1, 40, 0.5, 2.0, Duration.ofMillis(5), 10, 0))
        .hasMessageContaining("handed-run");
  }
}
