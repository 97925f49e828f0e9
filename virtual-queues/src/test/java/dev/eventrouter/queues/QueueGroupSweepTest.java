package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.PersistedRecords;
import dev.eventrouter.persistence.testing.JobFixtures;
import dev.eventrouter.queues.testing.QueueFixture;
import dev.eventrouter.queues.testing.TestQueues;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A queue group holds the states of the pairs with jobs and of those whose records may still be
 * read again, not of every pair it ever had; what it lets go it still refuses, by the offsets the
 * ingest told it.
 */
class QueueGroupSweepTest {

  private static final Map<String, Integer> groupPairs = new ConcurrentHashMap<>();

  @RegisterExtension
  static final QueueFixture fixture =
      new QueueFixture(
          ConfigFactory.parseString(
              """
              eventrouter.virtual-queue {
                layout = groups
                group-sweep-every = 200ms
                passivate-idle-after = 200ms
              }
              """),
          new JobEventListener() {
            @Override
            public void persisted(PairId pair, List<JobEvent> events) {}

            @Override
            public void groupPairs(String group, int pairs) {
              groupPairs.put(group, pairs);
            }
          });

  private static final String TOPIC = "topic-of-the-sweep";

  @Test
  void pairsLeftRememberingNothingAreLetGoAndTheirRecordsAreStillRefused() {
    String destination = fixture.newPair("swept").destination();
    int shard = TestQueues.shardOf("swept-0");
    String group = TestQueues.groupOf("swept-0");
    List<PairId> pairs = TestQueues.pairsOfShard(shard, "swept", destination, 20);
    List<Job> records = new ArrayList<>();
    for (int i = 0; i < pairs.size(); i++) {
      records.add(JobFixtures.fromRecord(fixture.jobs(pairs.get(i), 1).get(0), shard, 100L + i));
    }
    assertThat(
            fixture
                .queues()
                .enqueue(records, new PersistedRecords(TOPIC, Map.of()))
                .toCompletableFuture()
                .join())
        .isEqualTo(new VirtualQueue.Accepted(20, 0));
    fixture.await(
        () -> assertThat(pairs).allSatisfy(pair -> assertThat(fixture.received(pair)).hasSize(1)));
    // each pair remembers its delivered job: its record may be read again
    fixture.await(() -> assertThat(groupPairs.get(group)).isEqualTo(20));

    // the next record's enqueue tells that the first twenty are persisted
    Job later = JobFixtures.fromRecord(fixture.jobs(pairs.get(0), 1).get(0), shard, 200L);
    assertThat(
            fixture
                .queues()
                .enqueue(List.of(later), new PersistedRecords(TOPIC, Map.of(shard, 200L)))
                .toCompletableFuture()
                .join())
        .isEqualTo(new VirtualQueue.Accepted(1, 0));
    fixture.await(() -> assertThat(fixture.received(pairs.get(0))).hasSize(2));

    // left: the pair whose job of record 200 may be read again
    fixture.await(() -> assertThat(groupPairs.get(group)).isEqualTo(1));
    // read again from the start, by an ingest that knows nothing yet
    List<Job> again = new ArrayList<>(records);
    again.add(later);
    assertThat(
            fixture
                .queues()
                .enqueue(again, new PersistedRecords(TOPIC, Map.of()))
                .toCompletableFuture()
                .join())
        .isEqualTo(new VirtualQueue.Accepted(0, 21));
    assertThat(pairs).allSatisfy(pair -> assertThat(fixture.stats(pair).pending()).isZero());
  }
}
