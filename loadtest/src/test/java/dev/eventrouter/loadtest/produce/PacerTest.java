package dev.eventrouter.loadtest.produce;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PacerTest {

  /** A clock that only moves when the pacer parks, or when a test says so. */
  private long now = 1_000_000_000L;

  private final List<Long> parks = new ArrayList<>();

  private Pacer pacer(double ratePerSecond) {
    return new Pacer(
        ratePerSecond,
        () -> now,
        nanos -> {
          parks.add(nanos);
          now += nanos;
        });
  }

  @Test
  void spreadsEventsOverTheSecondsTheRateAsksFor() {
    Pacer pacer = pacer(1_000);
    long start = now;

    for (int n = 0; n < 5_000; n++) {
      pacer.await();
    }

    assertThat(now - start).isEqualTo(4_999_000_000L);
  }

  @Test
  void parksOncePerMillisecondOfEventsNotPerEvent() {
    Pacer pacer = pacer(100_000);
    long start = now;

    for (int n = 0; n < 10_000; n++) {
      pacer.await();
    }

    assertThat(now - start).isBetween(99_000_000L, 100_000_000L);
    assertThat(parks)
        .hasSize(99)
        .allSatisfy(p -> assertThat(p).isGreaterThanOrEqualTo(Pacer.MIN_PARK_NANOS));
  }

  @Test
  void catchesUpAfterAStallWithoutWaiting() {
    Pacer pacer = pacer(1_000);
    pacer.await();
    now += 1_000_000_000L;

    for (int n = 0; n < 999; n++) {
      pacer.await();
    }

    assertThat(parks).isEmpty();
  }

  @Test
  void tellsWhenEachEventWasDueThoughAStallSendsItLate() {
    Pacer pacer = pacer(1_000);
    long start = now;
    assertThat(pacer.await()).isEqualTo(start);
    now += 500_000_000L;

    List<Long> due = new ArrayList<>();
    for (int n = 1; n <= 3; n++) {
      due.add(pacer.await());
    }

    assertThat(due).containsExactly(start + 1_000_000L, start + 2_000_000L, start + 3_000_000L);
  }

  @Test
  void withoutARateEachEventIsDueWhenItGoes() {
    Pacer pacer = pacer(0);
    now += 7;

    assertThat(pacer.await()).isEqualTo(now);
  }

  @Test
  void neverWaitsWithoutARate() {
    Pacer pacer = pacer(0);

    for (int n = 0; n < 10_000; n++) {
      pacer.await();
    }

    assertThat(parks).isEmpty();
  }
}
