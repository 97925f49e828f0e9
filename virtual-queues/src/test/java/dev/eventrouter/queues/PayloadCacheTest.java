package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Which payloads a queue keeps: while some of its new jobs' payloads were not kept, the room goes
 * to those (read back when due), not to newer jobs, until dispatch has reached the newest not kept.
 */
class PayloadCacheTest {

  private static final PairId PAIR = new PairId("source", "webhook");
  private static final int PAYLOAD = 100;

  private final PayloadBudget node = new PayloadBudget(1_000_000);
  private final PayloadCache cache = new PayloadCache(4 * PAYLOAD, node);

  @Test
  void keepsNewPayloadsWhileThereIsRoom() {
    List<Job> first = jobs(0, 3);
    cache.offerNew(first, 1);
    cache.offerNew(jobs(3, 4), 2);

    assertThat(cache.size()).isEqualTo(4);
    assertThat(cache.get(first.get(0).id())).isEqualTo(first.get(0));
    assertThat(node.available()).isEqualTo(1_000_000 - 4 * PAYLOAD);
  }

  @Test
  void oncePayloadsWereNotKeptNewerOnesWaitForThemUntilDispatchReachesTheLast() {
    List<Job> first = jobs(0, 4);
    List<Job> second = jobs(4, 8);
    cache.offerNew(first, 1);
    cache.offerNew(second, 2);
    assertThat(cache.size()).as("no room for the second batch").isEqualTo(4);

    // the first batch delivered: room, which goes to the second when it is read back, not to a
    // third batch that comes meanwhile
    first.forEach(job -> cache.remove(job.id()));
    List<Job> third = jobs(8, 10);
    cache.offerNew(third, 3);
    assertThat(cache.size()).isZero();
    assertThat(cache.hasRoom()).isTrue();

    // dispatch reads the second batch back and keeps it; reaching it is not reaching the third
    cache.offerRead(second);
    cache.reached(PendingJob.accepted(second.get(3), 2, 0));
    List<Job> fourth = jobs(10, 11);
    cache.offerNew(fourth, 4);
    assertThat(cache.size()).as("the third batch is not reached yet").isEqualTo(4);

    second.forEach(job -> cache.remove(job.id()));
    cache.offerNew(jobs(11, 12), 5);
    assertThat(cache.size()).as("a fifth batch, before dispatch reached the fourth").isZero();
    cache.reached(PendingJob.accepted(fourth.get(0), 4, 0));
    cache.offerNew(jobs(12, 13), 6);
    assertThat(cache.size()).as("the fifth is not reached yet").isZero();

    // reached the newest not kept (the sixth): caught up, new payloads are kept again
    cache.reached(PendingJob.accepted(jobs(12, 13).get(0), 6, 0));
    cache.offerNew(jobs(13, 15), 7);
    assertThat(cache.size()).isEqualTo(2);
  }

  @Test
  void aRetriedJobWhosePayloadWasCarriedPastTheMarkIsNoReachingOfIt() {
    cache.offerNew(jobs(0, 4), 1);
    cache.offerNew(jobs(4, 5), 2);
    jobs(0, 4).forEach(job -> cache.remove(job.id()));

    // carried forward to event 9, after the mark, but attempted: not one of the new jobs behind
    PendingJob retried = PendingJob.accepted(jobs(0, 1).get(0), 9, 0).retryAt(1, 0L, 9);
    cache.reached(retried);
    cache.offerNew(jobs(5, 6), 10);

    assertThat(cache.size()).isZero();
  }

  @Test
  void aQueueStartedAgainWithJobsKeepsNoNewPayloadUntilItReachedThem() {
    cache.behindUpTo(40);
    List<Job> arrived = jobs(0, 2);
    cache.offerNew(arrived, 41);
    assertThat(cache.size()).isZero();

    cache.reached(PendingJob.accepted(arrived.get(1), 41, 0));
    cache.offerNew(jobs(2, 3), 42);
    assertThat(cache.size()).isEqualTo(1);
  }

  @Test
  void onceAReadBringsTheNewestNotKeptNewPayloadsAreKeptAgain() {
    cache.offerNew(jobs(0, 4), 1);
    List<Job> behind = jobs(4, 6);
    cache.offerNew(behind, 2);
    jobs(0, 4).forEach(job -> cache.remove(job.id()));

    // the read under way brings every job not kept: the next batch need not be read back too
    cache.reading(pending(behind, 2));
    List<Job> next = jobs(6, 7);
    cache.offerNew(next, 3);
    assertThat(cache.get(next.get(0).id())).isEqualTo(next.get(0));

    cache.offerRead(behind);
    assertThat(cache.size()).isEqualTo(3);
  }

  @Test
  void aReadThatStopsShortOfTheNewestNotKeptKeepsNewerOnesWaiting() {
    cache.offerNew(jobs(0, 4), 1);
    List<Job> older = jobs(4, 5);
    cache.offerNew(older, 2);
    cache.offerNew(jobs(5, 6), 3);
    jobs(0, 4).forEach(job -> cache.remove(job.id()));

    cache.reading(pending(older, 2));
    // a retried job's payload carried forward past the mark is not one of the new jobs behind
    cache.reading(List.of(PendingJob.accepted(jobs(0, 1).get(0), 9, 0).retryAt(1, 0L, 9)));
    cache.offerNew(jobs(6, 7), 4);

    assertThat(cache.size()).isZero();
  }

  @Test
  void aPayloadReadBackThatFindsNoRoomMakesNewOnesWaitAgain() {
    List<Job> first = jobs(0, 4);
    cache.offerNew(first, 1);
    List<Job> behind = jobs(4, 6);
    cache.offerNew(behind, 2);
    first.subList(0, 2).forEach(job -> cache.remove(job.id()));
    cache.reading(pending(behind, 2));
    cache.offerNew(jobs(6, 8), 3);
    assertThat(cache.size()).as("kept while the read was under way").isEqualTo(4);

    cache.offerRead(behind);
    first.subList(2, 4).forEach(job -> cache.remove(job.id()));
    cache.offerNew(jobs(8, 9), 4);

    assertThat(cache.size()).as("the read-back ones come first again").isEqualTo(2);
  }

  private static List<PendingJob> pending(List<Job> jobs, long sequenceNr) {
    return jobs.stream().map(job -> PendingJob.accepted(job, sequenceNr, 0)).toList();
  }

  /**
   * Jobs n from {@code from} (inclusive) to {@code to}, with payloads of {@link #PAYLOAD} bytes.
   */
  private static List<Job> jobs(int from, int to) {
    Instant at = Instant.parse("2026-11-30T10:00:00Z");
    return IntStream.range(from, to)
        .mapToObj(
            n ->
                JobFixtures.job(
                    PAIR, "m-" + n, "https://hooks.example.com/in", at, new byte[PAYLOAD]))
        .toList();
  }
}
