package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobBatch;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The low watermark (what compaction may delete below) and the oldest job, which the state keeps as
 * jobs come and go, equal what a walk over every job held finds, through batches accepted,
 * outcomes, retries, carry-forwards, archiving, and a restart from a snapshot. The oldest job is
 * the one the router accepted first, whatever time its event carries.
 */
class QueueStateWatermarkTest {

  private static final PairId PAIR = new PairId("source", "webhook");
  private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

  @Test
  void lowWatermarkAndOldestJobEqualAWalkOverTheJobsHeld() {
    Random random = new Random(7);
    QueueState state = new QueueState(Duration.ofMinutes(15), 100_000);
    Map<Integer, Job> held = new HashMap<>();
    List<Integer> order = new ArrayList<>();
    int made = 0;
    for (int step = 0; step < 3_000; step++) {
      int choice = random.nextInt(12);
      if (choice < 4 || order.isEmpty()) {
        List<JobEvent> batch = new ArrayList<>();
        for (int i = 1 + random.nextInt(8); i > 0; i--) {
          // ids a few seconds apart, some from records produced well before the others, some
          // with times a year old (a phone that kept them offline, a client's clock)
          int second =
              random.nextInt(10) == 0 ? random.nextInt(step + 1) : step + random.nextInt(5);
          Instant eventTime =
              T0.plusSeconds(second).minus(Duration.ofDays(random.nextInt(8) == 0 ? 365 : 0));
          Job sent = JobFixtures.job(PAIR, "m-" + made, "https://hooks.example.com/in", eventTime);
          Job job =
              new Job(
                  sent.id(),
                  PAIR,
                  sent.messageId(),
                  sent.endpoint(),
                  sent.payload(),
                  sent.headers(),
                  T0.plusSeconds(step),
                  sent.expireAt());
          batch.add(new JobEvent.AwaitingScheduling(job));
          held.put(made, job);
          order.add(made++);
        }
        state.apply(new JobBatch(batch));
      } else {
        // outcomes come mostly to the oldest jobs, some to any
        int at =
            random.nextBoolean()
                ? random.nextInt(Math.min(order.size(), 5))
                : random.nextInt(order.size());
        Job job = held.get(order.get(at));
        Instant now = T0.plusSeconds(step);
        Attempt attempt = Attempt.responded(1, now, now.plusMillis(3), 503);
        switch (choice) {
          case 4, 5, 6 -> finish(state, held, order, at, new JobEvent.Succeeded(job.id(), attempt));
          case 7 -> state.apply(new JobEvent.AwaitingRetry(job.id(), attempt, now.plusSeconds(30)));
          case 8 -> state.apply(new JobEvent.CarriedForward(job, List.of(attempt)));
          case 9 -> state.apply(new JobEvent.Archiving(job.id(), now, "expired"));
          case 10 ->
              finish(state, held, order, at, new JobEvent.Archived(job.id(), now, "s3://a/b"));
          default -> state.apply(new JobEvent.RetryRequested(job.id(), now));
        }
      }
      assertEqualToAWalk(state, held.values());
      if (step % 500 == 499) {
        state = QueueState.fromSnapshot(state.toSnapshot(), Duration.ofMinutes(15), 100_000);
        assertEqualToAWalk(state, held.values());
      }
    }
    assertThat(made).as("jobs accepted").isGreaterThan(1_000);
  }

  private static void finish(
      QueueState state, Map<Integer, Job> held, List<Integer> order, int at, JobEvent event) {
    state.apply(event);
    held.remove(order.remove(at));
  }

  private static void assertEqualToAWalk(QueueState state, Collection<Job> held) {
    List<PendingJob> jobs = state.toSnapshot().jobs();
    assertThat(state.lowWatermark())
        .isEqualTo(
            jobs.stream()
                .mapToLong(PendingJob::payloadSequenceNr)
                .min()
                .orElse(state.sequenceNr() + 1));
    assertThat(state.oldestJobAt())
        .isEqualTo(
            held.stream()
                .map(job -> job.createdAt().truncatedTo(ChronoUnit.SECONDS))
                .min(Comparator.naturalOrder())
                .orElse(null));
  }
}
