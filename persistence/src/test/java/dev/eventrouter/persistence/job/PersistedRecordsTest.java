package dev.eventrouter.persistence.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PersistedRecordsTest {

  private static final PersistedRecords KNOWN =
      new PersistedRecords("topic-1", Map.of(0, 100L, 1, 40L));

  @Test
  void eachPartitionKeepsItsHigherOffsetWhicheverTellingCameFirst() {
    PersistedRecords later = new PersistedRecords("topic-1", Map.of(0, 90L, 2, 7L));

    PersistedRecords both = new PersistedRecords("topic-1", Map.of(0, 100L, 1, 40L, 2, 7L));
    assertThat(KNOWN.and(later)).isEqualTo(both);
    assertThat(later.and(KNOWN)).isEqualTo(both);
  }

  @Test
  void anotherIncarnationOfTheTopicReplacesWhatWasKnown() {
    PersistedRecords madeAgain = new PersistedRecords("topic-2", Map.of(0, 3L));

    assertThat(KNOWN.and(madeAgain)).isEqualTo(madeAgain);
  }

  @Test
  void aTellingThatAddsNothingLeavesWhatWasKnownAsItWas() {
    assertThat(KNOWN.and(PersistedRecords.NONE)).isSameAs(KNOWN);
    assertThat(KNOWN.and(new PersistedRecords("topic-1", Map.of(0, 99L)))).isSameAs(KNOWN);
    assertThat(KNOWN.and(new PersistedRecords("topic-1", Map.of()))).isSameAs(KNOWN);
    assertThat(PersistedRecords.NONE.and(PersistedRecords.NONE)).isSameAs(PersistedRecords.NONE);
  }
}
