package dev.eventrouter.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class JobPayloadsTest {

  @Test
  void readsNearbySequenceNumbersTogetherAndDistantOnesApart() {
    var sequenceNrs = new TreeSet<>(List.of(3L, 5L, 60L, 67L, 200L, 10_000L, 10_001L));

    assertThat(JobPayloads.ranges(sequenceNrs))
        .containsExactly(new long[] {3, 67}, new long[] {200, 200}, new long[] {10_000, 10_001});
  }

  @Test
  void readsNothingForNoSequenceNumber() {
    assertThat(JobPayloads.ranges(new TreeSet<>())).isEmpty();
  }
}
