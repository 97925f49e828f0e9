package dev.eventrouter.queues.rate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Scenarios of the additive-increase, multiplicative-decrease rate of one pair. */
class AdaptiveRateTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void halvesOnEach429AndClimbsBackByATenthPerSecond() {
    AdaptiveRate rate = new AdaptiveRate(100);

    rate.throttled(0, 100);
    assertThat(rate.limit()).isEqualTo(50);
    rate.throttled(SECOND / 10, 50);
    assertThat(rate.limit()).isEqualTo(25);

    rate.tick(SECOND / 10 + SECOND / 2);
    assertThat(rate.limit()).as("less than a second later").isEqualTo(25);
    rate.tick(SECOND / 10 + SECOND);
    assertThat(rate.limit()).isEqualTo(35);
    rate.tick(SECOND / 10 + 3 * SECOND);
    assertThat(rate.limit()).isEqualTo(55);
    rate.tick(SECOND / 10 + 10 * SECOND);
    assertThat(rate.limit()).as("never above the configured rate").isEqualTo(100);
  }

  @Test
  void neverGoesBelowOneRequestPerSecond() {
    AdaptiveRate rate = new AdaptiveRate(3);
    for (int i = 0; i < 10; i++) {
      rate.throttled(i, 3);
    }
    assertThat(rate.limit()).isEqualTo(1);
  }

  @Test
  void aPairWithoutARateIsLimitedFromWhatItSentAndFreedWhenItGetsBackThere() {
    AdaptiveRate rate = new AdaptiveRate(AdaptiveRate.UNLIMITED);
    assertThat(rate.limit()).isEqualTo(AdaptiveRate.UNLIMITED);

    rate.throttled(0, 400);
    assertThat(rate.limit()).isEqualTo(200);

    rate.tick(4 * SECOND);
    assertThat(rate.limit()).isEqualTo(360);
    rate.tick(5 * SECOND);
    assertThat(rate.limit()).isEqualTo(AdaptiveRate.UNLIMITED);
  }

  @Test
  void aConfiguredRateIsLeftAloneWithoutThrottling() {
    AdaptiveRate rate = new AdaptiveRate(40);
    rate.tick(100 * SECOND);
    assertThat(rate.limit()).isEqualTo(40);
  }
}
