package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.adapter.Batching;
import dev.eventrouter.queues.adapter.WebhookAdapter;
import dev.eventrouter.queues.destination.BreakerSettings;
import dev.eventrouter.queues.testing.QueueFixture;
import dev.eventrouter.queues.testing.ScriptedDestination.Response;
import dev.eventrouter.queues.testing.TestQueues;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A queue holds payloads up to payload-cache-bytes, whatever its backlog and however often its jobs
 * are retried: payloads read back from the journal are bounded like the others.
 */
@ExtendWith(LogCapturingExtension.class)
class PayloadMemoryTest {

  private static final int CACHE_BYTES = 4_000;
  private static final int PAYLOAD_BYTES = 1_000;

  @RegisterExtension
  static final QueueFixture fixture =
      new QueueFixture(
          ConfigFactory.parseString(
              "eventrouter.virtual-queue.payload-cache-bytes = " + CACHE_BYTES));

  @Test
  void payloadsReadBackForRetriesStayWithinTheCacheBound() {
    // 5xx, not 429: a 429 slows the pair to a request a second, and this wants many retries soon;
    // a breaker that does not open for a hundred jobs failing, for the same reason
    PairId pair =
        fixture.newPair(
            TestQueues.destination("failing")
                .withBreaker(new BreakerSettings(100, 1_000, 1_000, Duration.ofSeconds(1), 1)));
    String path = QueueFixture.path(pair);
    fixture.destination().script(path, Response.status(503));
    List<Job> jobs = jobs(pair, 60, PAYLOAD_BYTES);

    fixture.enqueue(pair, jobs);

    fixture.await(
        () -> {
          assertWithinBound(fixture.stats(pair));
          // every job was attempted again, so every payload but the few kept was read back
          assertThat(attemptsPerJob(path).values())
              .hasSize(jobs.size())
              .allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(2));
        });
    assertWithinBound(fixture.stats(pair));
    assertThat(fixture.stats(pair).pending()).isEqualTo(jobs.size());
  }

  /**
   * With no room to keep payloads, a pass reads back only what it can send now: the in-flight limit
   * times a request's jobs, which for a limit of 2^31 - 1 (an operator's) is no int. The queue
   * delivers its backlog; it failed at each pass, and started again, before.
   */
  @Test
  void theLargestInFlightLimitOnABatchingDestinationDeliversTheBacklog() {
    PairId pair =
        fixture.newPair(
            TestQueues.destination("unlimited")
                .withAdapter(new WebhookAdapter(new Batching(2, 1_000_000, Duration.ZERO)))
                .withMaxInFlightPerPair(Integer.MAX_VALUE));
    List<Job> jobs = jobs(pair, 20, PAYLOAD_BYTES);

    fixture.enqueue(pair, jobs);

    fixture.awaitEmpty(pair);
    // each job once: a queue that failed and started again sent some twice
    assertThat(
            fixture.destination().received(QueueFixture.path(pair)).stream()
                .mapToInt(
                    r ->
                        r.header("X-Batch-Size") == null
                            ? 1
                            : Integer.parseInt(r.header("X-Batch-Size")))
                .sum())
        .isEqualTo(jobs.size());
  }

  @Test
  void aPayloadLargerThanTheWholeCacheIsDeliveredWithoutBeingHeld() {
    PairId pair = fixture.newPair("large");
    String path = QueueFixture.path(pair);
    fixture.destination().script(path, Response.status(503));
    List<Job> jobs = jobs(pair, 2, 2 * CACHE_BYTES);

    fixture.enqueue(pair, jobs);

    fixture.await(
        () -> {
          assertWithinBound(fixture.stats(pair));
          assertThat(attemptsPerJob(path).values())
              .hasSize(2)
              .allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(2));
        });
    VirtualQueue.QueueStats retrying = fixture.stats(pair);
    assertThat(retrying.cachedPayloads()).as("too large to keep, even read back").isZero();

    fixture.destination().script(path, Response.status(200));
    fixture.awaitEmpty(pair);
    assertThat(fixture.destination().received(path))
        .extracting(r -> r.body().length)
        .contains(2 * CACHE_BYTES);
  }

  private static void assertWithinBound(VirtualQueue.QueueStats stats) {
    assertThat(stats.cachedPayloadBytes())
        .as("payload bytes held")
        .isLessThanOrEqualTo(CACHE_BYTES);
    assertThat(stats.cachedPayloads())
        .as("payloads held")
        .isLessThanOrEqualTo(CACHE_BYTES / PAYLOAD_BYTES);
  }

  /** Attempts the destination received per job (told apart by their bodies). */
  private static Map<String, Long> attemptsPerJob(String path) {
    return fixture.destination().received(path).stream()
        .collect(
            Collectors.groupingBy(
                r -> new String(r.body(), StandardCharsets.UTF_8), Collectors.counting()));
  }

  private static List<Job> jobs(PairId pair, int count, int bytes) {
    return fixture.jobsOfBytes(pair, count, bytes);
  }
}
