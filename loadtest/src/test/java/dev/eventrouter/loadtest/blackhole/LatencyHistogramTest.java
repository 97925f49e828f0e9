package dev.eventrouter.loadtest.blackhole;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

  @Test
  void readsQuantilesWithinABucket() {
    LatencyHistogram histogram = new LatencyHistogram();
    for (int ms = 1; ms <= 1000; ms++) {
      histogram.recordMillis(ms);
    }
    long[] counts = histogram.snapshot();
    assertThat(LatencyHistogram.total(counts)).isEqualTo(1000);
    assertThat(LatencyHistogram.quantileMillis(counts, 0.5)).isBetween(500.0, 540.0);
    assertThat(LatencyHistogram.quantileMillis(counts, 0.99)).isBetween(990.0, 1070.0);
    assertThat(LatencyHistogram.quantileMillis(new long[LatencyHistogram.BUCKETS], 0.99)).isZero();
    long[] later = histogram.snapshot();
    histogram.recordMillis(5_000);
    assertThat(LatencyHistogram.quantileMillis(LatencyHistogram.minus(histogram.snapshot(), later), 0.5))
        .isBetween(5_000.0, 5_400.0);
  }
}
