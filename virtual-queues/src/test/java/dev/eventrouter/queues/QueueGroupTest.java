package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.GroupBatch;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.PersistedRecords;
import dev.eventrouter.queues.testing.QueueFixture;
import dev.eventrouter.queues.testing.TestQueues;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the layout {@code groups} adds to a pair's queue: the pairs of a shard write together, and a
 * pair's messages wait for its own write as under an actor of its own. The queue suites run against
 * this layout too (the build's {@code groups} run); these are what only it can show.
 */
class QueueGroupTest {

  @RegisterExtension
  static final QueueFixture fixture =
      new QueueFixture(ConfigFactory.parseString("eventrouter.virtual-queue.layout = groups"));

  private static final int PAIRS = 200;

  @Test
  void pairsOfOneShardAcceptedTogetherShareTheirJournalRows() {
    String destination = fixture.newPair("grouped").destination();
    List<PairId> pairs =
        TestQueues.pairsOfShard(TestQueues.shardOf("grouped-0"), "grouped", destination, PAIRS);
    List<Job> sent = new ArrayList<>();
    List<CompletableFuture<VirtualQueue.Accepted>> accepted = new ArrayList<>();
    for (PairId pair : pairs) {
      List<Job> jobs = fixture.jobs(pair, 3);
      sent.addAll(jobs);
      accepted.add(fixture.queues().enqueue(pair, jobs).toCompletableFuture());
    }

    assertThat(accepted)
        .allSatisfy(ask -> assertThat(ask.join()).isEqualTo(new VirtualQueue.Accepted(3, 0)));
    fixture.await(
        () ->
            assertThat(pairs.stream().mapToInt(pair -> fixture.received(pair).size()).sum())
                .isEqualTo(sent.size()));
    pairs.forEach(fixture::awaitEmpty);

    List<GroupBatch> rows = fixture.groupRows(pairs.get(0));
    List<GroupBatch> accepting =
        rows.stream()
            .filter(
                row ->
                    row.jobEvents().stream()
                        .anyMatch(JobEvent.AwaitingScheduling.class::isInstance))
            .toList();
    // outcomes of the first pairs' jobs may share a row with the last pairs' accepts
    assertThat(
            accepting.stream()
                .flatMap(row -> row.jobEvents().stream())
                .filter(JobEvent.AwaitingScheduling.class::isInstance)
                .count())
        .isEqualTo(sent.size());
    // asked all at once, the pairs' accepts wait for the write under way and go in the next
    assertThat(accepting)
        .as("rows carrying the accepts of %d pairs", PAIRS)
        .hasSizeLessThan(PAIRS / 2);
    assertThat(pairs)
        .allSatisfy(pair -> assertThat(fixture.attempts(pair)).containsExactly("1", "1", "1"));
  }

  @Test
  void anIngestBatchOfManyPairsIsOneMessageToEachGroupAndOneWrite() {
    String destination = fixture.newPair("batched").destination();
    int shard = TestQueues.shardOf("batched-0");
    // as many as one journal event holds: more would be cut into several, still one write
    int pairs = PAIRS / 4;
    List<PairId> grouped = TestQueues.pairsOfShard(shard, "batched", destination, pairs);
    List<PairId> elsewhere =
        TestQueues.pairsOfShard(shard == 0 ? 1 : 0, "batched", destination, pairs / 10);
    List<Job> batch = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      for (PairId pair : grouped) {
        batch.addAll(fixture.jobs(pair, 1));
      }
      for (PairId pair : elsewhere) {
        batch.addAll(fixture.jobs(pair, 1));
      }
    }

    List<List<Job>> hosts = List.copyOf(fixture.queues().byHost(batch));

    assertThat(hosts).hasSize(2);
    List<Job> ofGroup = hosts.get(0);
    assertThat(ofGroup).hasSize(3 * pairs).allMatch(job -> grouped.contains(job.pair()));
    // each pair's jobs in the order the batch had them
    assertThat(ofGroup.stream().filter(job -> job.pair().equals(grouped.get(7))))
        .containsExactlyElementsOf(
            batch.stream().filter(job -> job.pair().equals(grouped.get(7))).toList());
    assertThatThrownBy(() -> fixture.queues().enqueue(batch, PersistedRecords.NONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("different queue groups");

    assertThat(
            fixture.queues().enqueue(ofGroup, PersistedRecords.NONE).toCompletableFuture().join())
        .isEqualTo(new VirtualQueue.Accepted(3 * pairs, 0));
    assertThat(
            fixture
                .queues()
                .enqueue(hosts.get(1), PersistedRecords.NONE)
                .toCompletableFuture()
                .join())
        .isEqualTo(new VirtualQueue.Accepted(3 * (pairs / 10), 0));
    // the same batch again, as after a crash before its offsets were committed
    assertThat(
            fixture.queues().enqueue(ofGroup, PersistedRecords.NONE).toCompletableFuture().join())
        .isEqualTo(new VirtualQueue.Accepted(0, 3 * pairs));

    fixture.await(
        () ->
            assertThat(grouped.stream().mapToInt(pair -> fixture.received(pair).size()).sum())
                .isEqualTo(3 * pairs));
    grouped.forEach(fixture::awaitEmpty);
    // every pair's accepts handled in one go, in one write
    assertThat(
            fixture.groupRows(grouped.get(0)).stream()
                .filter(
                    row ->
                        row.pairs().stream()
                            .anyMatch(
                                part ->
                                    grouped.contains(part.pair())
                                        && part.batch().events().stream()
                                            .anyMatch(
                                                JobEvent.AwaitingScheduling.class::isInstance))))
        .singleElement()
        .satisfies(
            row ->
                assertThat(row.pairs())
                    .extracting(GroupBatch.PairBatch::pair)
                    .containsExactlyInAnyOrderElementsOf(grouped));
    assertThat(grouped)
        .allSatisfy(pair -> assertThat(fixture.attempts(pair)).containsExactly("1", "1", "1"));
  }

  @Test
  void aPairsMessagesWaitForItsOwnWrite() {
    PairId pair = fixture.newPair("held-waits");
    List<Job> jobs = fixture.jobs(pair, 3);

    // the second ask comes while the first one's jobs are not yet written
    CompletionStage<VirtualQueue.Accepted> first = fixture.queues().enqueue(pair, jobs);
    CompletionStage<VirtualQueue.Accepted> second = fixture.queues().enqueue(pair, jobs);

    assertThat(List.of(first.toCompletableFuture().join(), second.toCompletableFuture().join()))
        .containsExactlyInAnyOrder(
            new VirtualQueue.Accepted(3, 0), new VirtualQueue.Accepted(0, 3));
    assertThat(fixture.stats(pair).pending()).isEqualTo(3);
  }
}
