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
 * The payloads a queue keeps: within its bounds, and not a new job's while the payloads of jobs due
 * before it are read back without room to keep them.
 */
class PayloadCacheTest {

  private static final PairId PAIR = new PairId("shop", "hook");

  private static final int PAYLOAD_BYTES = 100;

  /** Room for three payloads. */
  private final PayloadCache cache =
      new PayloadCache(3 * PAYLOAD_BYTES, new PayloadBudget(1 << 20));

  @Test
  void keepsNewJobsWhileThereIsRoom() {
    List<Job> jobs = jobs("new", 4);

    jobs.forEach(cache::offerNew);

    assertThat(jobs)
        .extracting(job -> cache.get(job.id()) != null)
        .containsExactly(true, true, true, false);
  }

  @Test
  void keepsNoNewJobOnceAReadBackFoundNoRoomUntilOneIsKeptWhole() {
    List<Job> held = jobs("held", 3);
    held.forEach(cache::offerNew);
    List<Job> due = jobs("due", 2);

    cache.offerReadBack(due);
    cache.remove(held.get(0).id());
    Job arriving = jobs("arriving", 1).get(0);
    cache.offerNew(arriving);

    // the room the delivery freed waits for the jobs due before the new one
    assertThat(cache.get(arriving.id())).isNull();
    cache.offerReadBack(due.subList(1, 2));
    assertThat(cache.get(due.get(1).id())).isNotNull();
    cache.remove(held.get(1).id());
    cache.offerNew(arriving);
    assertThat(cache.get(arriving.id())).isNotNull();
  }

  @Test
  void keepsNewJobsAgainOnceTheCacheEmptied() {
    List<Job> held = jobs("held", 3);
    held.forEach(cache::offerNew);
    cache.offerReadBack(jobs("due", 1));

    held.forEach(job -> cache.remove(job.id()));
    Job arriving = jobs("arriving", 1).get(0);
    cache.offerNew(arriving);

    assertThat(cache.get(arriving.id())).isNotNull();
    assertThat(cache.size()).isEqualTo(1);
  }

  private static List<Job> jobs(String prefix, int count) {
    return IntStream.range(0, count)
        .mapToObj(
            i ->
                JobFixtures.job(
                    PAIR,
                    prefix + "-" + i,
                    "http://127.0.0.1/hook",
                    Instant.parse("2026-11-29T00:00:00Z"),
                    new byte[PAYLOAD_BYTES]))
        .toList();
  }
}
