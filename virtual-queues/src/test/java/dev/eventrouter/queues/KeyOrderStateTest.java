package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.DiscardOrigin;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobBatch;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * What the index keeps for ordered delivery: the jobs of one key in arrival order, also within one
 * journal event (where their ids, hashes, say nothing of it), and the keys whose job waits for a
 * retry, as the journal and a snapshot give them back.
 */
class KeyOrderStateTest {

  private static final Duration WINDOW = Duration.ofMinutes(15);
  private static final long KEY = 0x5eed_0f_0123_4567L;
  private static final Instant NOW = Instant.parse("2026-11-29T04:00:00Z");

  @Test
  void aKeysJobsAreScheduledInArrivalOrderAndAWaitingOneHoldsItsKey() {
    QueueState state = new QueueState(WINDOW, 1_000);
    PairId pair = new PairId("source", "destination");
    List<Job> jobs =
        IntStream.range(0, 20)
            .mapToObj(
                i ->
                    JobFixtures.ordered(
                        JobFixtures.job(pair, "m-" + i, "https://hooks.example.com", NOW), KEY))
            .toList();
    state.apply(
        new JobBatch(jobs.stream().<JobEvent>map(JobEvent.AwaitingScheduling::new).toList()));

    assertThat(state.schedule()).extracting(PendingJob::id).containsExactlyElementsOf(ids(jobs));
    assertThat(state.keyWaiting(KEY)).isFalse();

    state.apply(
        new JobEvent.AwaitingRetry(
            jobs.get(0).id(),
            Attempt.responded(1, NOW, NOW.plusMillis(5), 503),
            NOW.plusSeconds(30)));
    assertThat(state.keyWaiting(KEY)).isTrue();
    QueueState restored = QueueState.fromSnapshot(state.toSnapshot(), WINDOW, 1_000);
    assertThat(restored.keyWaiting(KEY)).isTrue();
    assertThat(restored.schedule()).containsExactlyElementsOf(state.schedule());

    // the later jobs of the key, accepted after the restore, come after the earlier ones
    Job later =
        JobFixtures.ordered(
            JobFixtures.job(pair, "m-later", "https://hooks.example.com", NOW), KEY);
    restored.apply(new JobEvent.AwaitingScheduling(later));
    assertThat(restored.schedule().headSet(restored.get(later.id())))
        .extracting(PendingJob::id)
        .containsExactlyElementsOf(ids(jobs.subList(1, jobs.size())));

    // discarded: the key is free for the next job
    restored.apply(
        new JobEvent.Discarded(
            jobs.get(0).id(),
            Attempt.responded(2, NOW, NOW.plusMillis(5), 400),
            "400",
            DiscardOrigin.CUSTOMER));
    assertThat(restored.keyWaiting(KEY)).isFalse();
  }

  private static List<Ksuid> ids(List<Job> jobs) {
    return jobs.stream().map(Job::id).toList();
  }
}
