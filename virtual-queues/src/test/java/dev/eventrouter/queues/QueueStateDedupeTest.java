package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.PersistedRecords;
import dev.eventrouter.persistence.testing.JobFixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * What a queue refuses as a job it had already: jobs it holds, jobs of Kafka records below what the
 * ingest told persisted, finished jobs of records above it, and replays finished within the dedupe
 * window; and that what it remembers for that stays bounded.
 */
class QueueStateDedupeTest {

  private static final Duration WINDOW = Duration.ofMinutes(15);
  private static final int MAX_ENTRIES = 100_000;
  private static final PairId PAIR = new PairId("source", "webhook");
  private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
  private static final int PARTITION = 3;

  private final QueueState state = new QueueState(WINDOW, MAX_ENTRIES);

  @Test
  void aJobOfARecordBelowWhatTheIngestToldPersistedIsRefused() {
    Job accepted = record(5);
    accept(accepted);
    succeed(accepted);
    state.persisted(told(Map.of(PARTITION, 10L)));

    assertThat(state.knows(accepted, told(Map.of()))).as("read again below").isTrue();
    assertThat(state.toSnapshot().finished()).as("forgotten: its position tells it").isEmpty();
    assertThat(state.knows(record(10), told(Map.of())))
        .as("the first record not yet persisted")
        .isFalse();
    assertThat(state.knows(JobFixtures.fromRecord(job(5), PARTITION + 1, 5), told(Map.of())))
        .as("the same offset of another partition")
        .isFalse();
  }

  /**
   * A topic deleted and made again (or moved to another cluster) counts its offsets from zero: what
   * was persisted of the old one must not refuse the new one's records.
   */
  @Test
  void offsetsOfAnotherIncarnationOfTheTopicRefuseNothing() {
    Job old = record(5);
    accept(old);
    succeed(old);
    state.persisted(told(Map.of(PARTITION, 1_000L)));
    Job reborn = JobFixtures.fromRecord(job(77), PARTITION, 5);
    PersistedRecords madeAgain = new PersistedRecords("topic-2", Map.of(PARTITION, 3L));

    assertThat(state.knows(reborn, PersistedRecords.NONE)).as("no incarnation told").isFalse();
    state.persisted(madeAgain);
    assertThat(state.knows(reborn, madeAgain)).isFalse();
    assertThat(state.knows(JobFixtures.fromRecord(job(78), PARTITION, 2), madeAgain))
        .as("below what the new incarnation persisted")
        .isTrue();
    assertThat(state.toSnapshot().persistedBelow()).containsExactly(Map.entry(PARTITION, 3L));
    assertThat(state.toSnapshot().topicId()).isEqualTo("topic-2");
  }

  @Test
  void aJobFinishedWhileItsRecordIsAlreadyBelowIsNotRemembered() {
    Job accepted = record(5);
    accept(accepted);
    state.persisted(told(Map.of(PARTITION, 10L)));
    succeed(accepted);

    assertThat(state.toSnapshot().finished()).isEmpty();
    assertThat(state.knows(accepted, told(Map.of()))).isTrue();
  }

  @Test
  void aRecordReadAgainAboveWhatWasToldPersistedAfterItsJobFinishedIsRefused() {
    Job accepted = record(20);
    accept(accepted);
    succeed(accepted);
    state.persisted(told(Map.of(PARTITION, 10L)));

    assertThat(state.knows(accepted, told(Map.of()))).isTrue();
    assertThat(state.toSnapshot().finished())
        .extracting(QueueSnapshot.FinishedJob::id)
        .containsExactly(accepted.id());
  }

  @Test
  void whatWasToldPersistedOnlyRises() {
    Job accepted = record(20);
    accept(accepted);
    succeed(accepted);
    state.persisted(told(Map.of(PARTITION, 30L)));
    // an ingest that knows less (another node's, or one just restarted) tells a lower offset
    state.persisted(told(Map.of(PARTITION, 10L)));

    assertThat(state.knows(record(25), told(Map.of()))).isTrue();
    assertThat(state.toSnapshot().persistedBelow()).containsExactly(Map.entry(PARTITION, 30L));
  }

  /**
   * A retried enqueue persists its batch after the next one: a high-water mark of the offsets
   * accepted would refuse the first batch's jobs as duplicates, and lose them.
   */
  @Test
  void batchesPersistedOutOfOrderAreBothAcceptedAndBothRefusedWhenReadAgain() {
    List<Job> first = records(0, 10);
    List<Job> second = records(10, 20);
    second.forEach(this::accept);
    second.forEach(this::succeed);

    assertThat(first).noneMatch(this::knows);
    first.forEach(this::accept);
    first.forEach(this::succeed);
    assertThat(first).allMatch(this::knows);
    assertThat(second).allMatch(this::knows);

    // both batches done, the ingest tells the offset after them
    state.persisted(told(Map.of(PARTITION, 20L)));
    assertThat(first).allMatch(this::knows);
    assertThat(second).allMatch(this::knows);
    assertThat(state.toSnapshot().finished()).isEmpty();
  }

  @Test
  void whatItRemembersStaysWithinTheRecordsAboveWhatWasToldPersisted() {
    int jobs = 100_000;
    int lag = 500;
    for (int i = 0; i < jobs; i++) {
      Job job = record(i);
      accept(job);
      succeed(job);
      if (i % 100 == 0) {
        // the ingest's floor trails the records accepted by a few batches
        state.persisted(told(Map.of(PARTITION, (long) Math.max(0, i - lag))));
      }
    }
    long floor = state.toSnapshot().persistedBelow().get(PARTITION);

    QueueSnapshot snapshot = state.toSnapshot();
    assertThat(snapshot.finished())
        .hasSize((int) (jobs - floor))
        .allSatisfy(
            finished -> assertThat(finished.position().offset()).isGreaterThanOrEqualTo(floor));
    assertThat(IntStream.range(0, jobs).mapToObj(QueueStateDedupeTest::record))
        .allMatch(this::knows);
  }

  @Test
  void withoutWhatWasPersistedItRemembersAtMostDedupeMaxEntries() {
    QueueState small = new QueueState(WINDOW, 1_000);
    for (int i = 0; i < 5_000; i++) {
      Job job = record(i);
      small.apply(new JobEvent.AwaitingScheduling(job));
      small.apply(new JobEvent.Succeeded(job.id(), Attempt.responded(1, T0, T0, 200)));
    }

    assertThat(small.toSnapshot().finished())
        .hasSize(1_000)
        .extracting(finished -> finished.position().offset())
        .startsWith(4_000L)
        .endsWith(4_999L);
  }

  @Test
  void aReplayIsRememberedForTheDedupeWindowWhateverWasToldPersisted() {
    Job replay = job(1).replay(T0, Duration.ofHours(4));
    accept(replay);
    state.apply(new JobEvent.Succeeded(replay.id(), Attempt.responded(1, T0, T0, 200)));
    state.persisted(told(Map.of(PARTITION, 1_000L)));
    assertThat(state.knows(replay, told(Map.of()))).isTrue();

    Instant later = T0.plus(WINDOW).plusSeconds(1);
    Job another = job(2).replay(later, Duration.ofHours(4));
    accept(another);
    state.apply(new JobEvent.Succeeded(another.id(), Attempt.responded(1, later, later, 200)));
    assertThat(state.knows(replay, told(Map.of())))
        .as("finished more than a window before")
        .isFalse();
    assertThat(state.knows(another, told(Map.of()))).isTrue();
  }

  @Test
  void aRestoredStateRefusesWhatTheStateItWasTakenFromRefused() {
    Job below = record(5);
    Job above = record(20);
    accept(below);
    accept(above);
    succeed(below);
    succeed(above);
    state.persisted(told(Map.of(PARTITION, 10L)));

    QueueState restored = QueueState.fromSnapshot(state.toSnapshot(), WINDOW, MAX_ENTRIES);

    assertThat(restored.knows(below, told(Map.of()))).isTrue();
    assertThat(restored.knows(above, told(Map.of()))).isTrue();
    assertThat(restored.knows(record(15), told(Map.of()))).isFalse();
    assertThat(restored.toSnapshot()).isEqualTo(state.toSnapshot());
  }

  /**
   * Recovery replays the events after the snapshot onto it: the position of a job that finished
   * comes from its acceptance.
   */
  @Test
  void replayingTheJournalRemembersTheFinishedJobsOfRecordsAbove() {
    Job job = record(20);
    List<JobEvent> journal =
        List.of(
            new JobEvent.AwaitingScheduling(job),
            new JobEvent.Succeeded(job.id(), Attempt.responded(1, T0, T0, 200)));
    journal.forEach(state::apply);

    QueueState recovered = new QueueState(WINDOW, MAX_ENTRIES);
    journal.forEach(recovered::apply);

    assertThat(recovered.knows(job, told(Map.of()))).isTrue();
    assertThat(recovered.toSnapshot()).isEqualTo(state.toSnapshot());
  }

  private void accept(Job job) {
    state.apply(new JobEvent.AwaitingScheduling(job));
  }

  private void succeed(Job job) {
    state.apply(new JobEvent.Succeeded(job.id(), Attempt.responded(1, T0, T0.plusMillis(5), 200)));
  }

  private static List<Job> records(int from, int to) {
    return IntStream.range(from, to).mapToObj(QueueStateDedupeTest::record).toList();
  }

  /** The job of the record at this offset of the partition. */
  private static Job record(int offset) {
    return JobFixtures.fromRecord(job(offset), PARTITION, offset);
  }

  private static Job job(int n) {
    return JobFixtures.job(PAIR, "m-" + n, "https://hooks.example.com/in", T0.plusMillis(n));
  }

  /** What an ingest of the one topic incarnation these tests read tells. */
  static PersistedRecords told(Map<Integer, Long> below) {
    return new PersistedRecords("topic-1", below);
  }

  private boolean knows(Job job) {
    return state.knows(job, told(Map.of()));
  }
}
