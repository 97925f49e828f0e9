package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.testing.QueueFixture;
import dev.eventrouter.queues.testing.TestQueues;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A group's backlog past the node's payload memory: its rows, each holding many pairs' jobs, are
 * read back in order once for all those pairs (not once by each), and memory held by a pair that
 * cannot send keeps no other pair waiting.
 */
class QueueGroupMemoryTest {

  private static final int PAYLOAD_BYTES = 1_000;

  /** Room for 32 payloads: a backlog of hundreds is read back. */
  private static final int MEMORY = 32 * PAYLOAD_BYTES;

  /** Rows of a few pairs' jobs: a row is read once half the memory is free, and fits there. */
  private static final int ROW_BYTES = MEMORY / 2;

  private static final AtomicInteger rowsRead = new AtomicInteger();

  @RegisterExtension
  static final QueueFixture fixture =
      new QueueFixture(
          ConfigFactory.parseString(
              "eventrouter.virtual-queue { layout = groups, payload-memory = "
                  + MEMORY
                  + ", journal-event-max-bytes = "
                  + ROW_BYTES
                  + " }"),
          new JobEventListener() {
            @Override
            public void persisted(PairId pair, List<JobEvent> events) {}

            @Override
            public void payloadsRead(int jobs, int rows) {
              rowsRead.addAndGet(rows);
            }
          });

  @Test
  void aBacklogPastPayloadMemoryIsReadBackOnceARowForAllItsPairs() {
    String destination = fixture.newPair("read-ahead").destination();
    List<PairId> pairs = pairsOfOneShard("read-ahead", destination, 100);
    List<CompletableFuture<VirtualQueue.Accepted>> accepted = new ArrayList<>();
    int readBefore = rowsRead.get();
    for (PairId pair : pairs) {
      accepted.add(fixture.queues().enqueue(pair, jobs(pair, 3)).toCompletableFuture());
    }

    assertThat(accepted)
        .allSatisfy(ask -> assertThat(ask.join()).isEqualTo(new VirtualQueue.Accepted(3, 0)));
    pairs.forEach(fixture::awaitEmpty);

    assertThat(pairs)
        .allSatisfy(pair -> assertThat(fixture.attempts(pair)).containsExactly("1", "1", "1"));
    long acceptRows =
        fixture.groupRows(pairs.get(0)).stream()
            .filter(
                row ->
                    row.jobEvents().stream()
                        .anyMatch(JobEvent.AwaitingScheduling.class::isInstance))
            .count();
    // read by each pair, a row of a hundred pairs' jobs is read about once for each of them
    assertThat(rowsRead.get() - readBefore)
        .as("rows read back for %d pairs' backlog in %d rows", pairs.size(), acceptRows)
        .isPositive()
        .isLessThanOrEqualTo((int) acceptRows);
  }

  @Test
  void memoryHeldByAPausedDestinationKeepsNoOtherPairOfItsGroupWaiting() {
    PairId held = pairsOfOneShard("held", fixture.newPair("paused").destination(), 1).get(0);
    PairId other =
        TestQueues.pairsOfShard(
                TestQueues.shardOf(held.source()), "other", fixture.newPair("up").destination(), 1)
            .get(0);
    fixture.pause(held);
    // more than the memory holds: it is full of payloads that cannot go
    fixture.enqueue(held, jobs(held, 2 * MEMORY / PAYLOAD_BYTES));
    fixture.await(
        () -> assertThat(fixture.stats(held).cachedPayloadBytes()).isGreaterThan(MEMORY / 2));

    fixture.enqueue(other, jobs(other, 3));

    fixture.awaitEmpty(other, GroupReadAhead.STALLED_AFTER.plus(QueueFixture.WAIT));
    assertThat(fixture.received(other)).hasSize(3);
    assertThat(fixture.stats(held).pending()).isEqualTo(2 * MEMORY / PAYLOAD_BYTES);
    fixture.resume(held);
    fixture.awaitEmpty(held);
  }

  private static List<Job> jobs(PairId pair, int count) {
    return fixture.jobsOfBytes(pair, count, PAYLOAD_BYTES);
  }

  private static List<PairId> pairsOfOneShard(String prefix, String destination, int count) {
    return TestQueues.pairsOfShard(TestQueues.shardOf(prefix + "-0"), prefix, destination, count);
  }
}
