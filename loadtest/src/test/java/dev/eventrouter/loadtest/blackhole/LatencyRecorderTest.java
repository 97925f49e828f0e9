package dev.eventrouter.loadtest.blackhole;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class LatencyRecorderTest {

  private final LatencyRecorder recorder = new LatencyRecorder();

  @Test
  void readsExactPercentilesUpTo2048MsAndWithin0Point1PercentAbove() {
    for (int ms = 1; ms <= 1000; ms++) {
      recorder.recordMillis(ms);
    }
    recorder.recordMillis(3_600_000);

    Histogram latency = recorder.snapshot();

    assertThat(latency.getTotalCount()).isEqualTo(1001);
    assertThat(latency.getValueAtPercentile(50)).isEqualTo(501);
    assertThat(latency.getValueAtPercentile(99)).isEqualTo(991);
    assertThat(latency.getMaxValue()).isBetween(3_600_000L, 3_603_600L);
  }

  @Test
  void aSnapshotIsEverythingSoFarAndLaterOnesSubtractToAnInterval() {
    recorder.recordMillis(10);
    Histogram earlier = recorder.snapshot();
    recorder.recordMillis(5_000);
    recorder.recordMillis(5_000);

    Histogram later = recorder.snapshot();
    Histogram interval = later.copy();
    interval.subtract(earlier);

    assertThat(earlier.getTotalCount()).as("a copy: later records leave it as it was").isEqualTo(1);
    assertThat(later.getTotalCount()).isEqualTo(3);
    assertThat(interval.getTotalCount()).isEqualTo(2);
    assertThat(interval.getValueAtPercentile(50)).isBetween(5_000L, 5_005L);
  }

  @Test
  void losesNoValueRecordedFromManyThreadsWhileAnotherReads() throws Exception {
    int threads = 4;
    int each = 50_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<Void>> writers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      long value = 1 + t;
      writers.add(
          CompletableFuture.runAsync(
              () -> {
                awaitUninterruptibly(go);
                for (int i = 0; i < each; i++) {
                  recorder.recordMillis(value);
                }
              },
              pool));
    }
    go.countDown();
    CompletableFuture<Void> all =
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new));
    long seen = 0;
    while (!all.isDone()) {
      long now = recorder.snapshot().getTotalCount();
      assertThat(now).as("snapshots only grow").isGreaterThanOrEqualTo(seen);
      seen = now;
    }
    all.get(30, TimeUnit.SECONDS);
    pool.shutdown();

    Histogram latency = recorder.snapshot();
    assertThat(latency.getTotalCount()).isEqualTo((long) threads * each);
    for (int t = 0; t < threads; t++) {
      assertThat(latency.getCountAtValue(1 + t)).isEqualTo(each);
    }
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
