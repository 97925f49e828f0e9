package dev.eventrouter.queues;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.GroupBatch;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.queues.testing.QueueFixture;
import dev.eventrouter.queues.testing.ScriptedDestination.Received;
import dev.eventrouter.queues.testing.TestQueues;
import dev.eventrouter.queues.testing.Traces;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
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
        .allSatisfy(
            pair ->
                assertThat(received(pair))
                    .extracting(r -> r.header("X-Delivery-Attempt"))
                    .containsOnly("1")
                    .hasSize(3));
    long acceptRows =
        groupRows(pairs.get(0)).stream()
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
        pairsOfShard(
                TestQueues.shardOf(held.source()), "other", fixture.newPair("up").destination())
            .get(0);
    fixture.pause(held);
    // more than the memory holds: it is full of payloads that cannot go
    fixture.enqueue(held, jobs(held, 2 * MEMORY / PAYLOAD_BYTES));
    fixture.await(
        () -> assertThat(fixture.stats(held).cachedPayloadBytes()).isGreaterThan(MEMORY / 2));

    fixture.enqueue(other, jobs(other, 3));

    fixture.awaitEmpty(other, GroupReadAhead.STALLED_AFTER.plus(QueueFixture.WAIT));
    assertThat(received(other)).hasSize(3);
    assertThat(fixture.stats(held).pending()).isEqualTo(2 * MEMORY / PAYLOAD_BYTES);
    fixture.resume(held);
    fixture.awaitEmpty(held);
  }

  private static List<Job> jobs(PairId pair, int count) {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String endpoint = fixture.destination().url(QueueFixture.path(pair));
    return IntStream.range(0, count)
        .mapToObj(
            i -> {
              String head = "{\"messageId\":\"" + run + "-" + i + "\",\"pad\":\"";
              String json = head + "x".repeat(PAYLOAD_BYTES - head.length() - 2) + "\"}";
              return JobFixtures.job(
                  pair, run + "-" + i, endpoint, Instant.now(), json.getBytes(UTF_8));
            })
        .toList();
  }

  private static List<Received> received(PairId pair) {
    return fixture.destination().received(QueueFixture.path(pair));
  }

  private static List<PairId> pairsOfOneShard(String prefix, String destination, int count) {
    return pairsOfShard(TestQueues.shardOf(prefix + "-0"), prefix, destination).subList(0, count);
  }

  /** The first pairs, of sources named after the prefix, that the test node puts in the shard. */
  private static List<PairId> pairsOfShard(int shard, String prefix, String destination) {
    List<PairId> pairs = new ArrayList<>();
    for (int i = 0; pairs.size() < 100; i++) {
      String source = prefix + "-" + i;
      if (TestQueues.shardOf(source) == shard) {
        pairs.add(new PairId(source, destination));
      }
    }
    return pairs;
  }

  /** The rows of the group a pair is in. */
  private static List<GroupBatch> groupRows(PairId pair) {
    String persistenceId = QueueGroup.persistenceId(TestQueues.groupOf(pair.source())).id();
    return Traces.journal(fixture.testKit().system(), persistenceId, 0).stream()
        .map(GroupBatch.class::cast)
        .toList();
  }
}
