package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.Transition;
import dev.eventrouter.persistence.journal.JdbcJournalCompaction;
import dev.eventrouter.queues.testing.QueueFixture;
import dev.eventrouter.queues.testing.ScriptedDestination;
import dev.eventrouter.queues.testing.ScriptedDestination.Response;
import dev.eventrouter.queues.testing.Traces;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Journal rows track live jobs, not history: snapshots of the index, deletion below the low
 * watermark, and live payloads carried forward past the rows being deleted.
 */
@ExtendWith(LogCapturingExtension.class)
class JournalUpkeepTest {

  private static final Config SMALL =
      ConfigFactory.parseString(
          """
      eventrouter.virtual-queue {
        snapshot-every = 100
        carry-forward-lag = 400
        carry-forward-batch = 50
      }
      """);

  @TempDir Path dataDir;

  @Test
  void afterThousandsOfDeliveriesOnlyAFewRowsRemain() {
    try (QueueFixture fixture = QueueFixture.startOn(dataDir, SMALL)) {
      PairId pair = fixture.newPair("busy");
      for (int batch = 0; batch < 10; batch++) {
        fixture.enqueue(pair, fixture.jobs(pair, 300));
      }

      fixture.awaitEmpty(pair);
      JdbcJournalCompaction journal = new JdbcJournalCompaction(fixture.testKit().system());
      String pid = VirtualQueue.persistenceId(pair).id();
      // 3,000 jobs made 6,000 events; what stays is what came after the last snapshot, taken
      // after at most as many events as the queue held jobs (here up to a few hundred)
      fixture.await(
          () ->
              assertThat(journal.eventRows(pid).toCompletableFuture().join())
                  .isLessThanOrEqualTo(600));
    }
  }

  /**
   * A pair with a small burst now and then passivates between bursts, each life writing fewer job
   * events than snapshot-every: the count goes on across its lives, so it still takes snapshots and
   * compacts, instead of keeping every row it ever wrote.
   */
  @Test
  void aQueueThatPassivatesBetweenSmallBurstsStillSnapshotsAndCompacts() {
    Config bursty =
        ConfigFactory.parseString("eventrouter.virtual-queue.passivate-idle-after = 200ms")
            .withFallback(SMALL);
    try (QueueFixture fixture = QueueFixture.startOn(dataDir, bursty)) {
      PairId pair = fixture.newPair("bursty");
      String pid = VirtualQueue.persistenceId(pair).id();
      JdbcJournalCompaction journal = new JdbcJournalCompaction(fixture.testKit().system());
      // each burst: 30 jobs accepted and 30 delivered, 60 job events, under snapshot-every (100)
      for (int burst = 0; burst < 8; burst++) {
        fixture.enqueue(pair, fixture.jobs(pair, 30));
        fixture.awaitEmpty(pair);
        fixture.await(
            () ->
                assertThat(fixture.queues().hostedShards().toCompletableFuture().join().values())
                    .as("the queue passivated")
                    .allSatisfy(queues -> assertThat(queues).isZero()));
      }

      assertThat(journal.snapshotRows(pid).toCompletableFuture().join()).isPositive();
      // what is left is what came after the last snapshot: less than snapshot-every job events
      fixture.await(
          () -> assertThat(journal.eventRows(pid).toCompletableFuture().join()).isLessThan(100));
    }
  }

  /**
   * A backlog above snapshot-max-jobs is not snapshotted (a snapshot is written whole, on the heap
   * beside the index); its queue recovers from its journal, and the snapshot put off is taken once
   * it holds fewer.
   */
  @Test
  void aBacklogAboveTheSnapshotCapIsNotSnapshottedAndRecoversFromItsJournal() throws Exception {
    Config capped =
        ConfigFactory.parseString(
            "eventrouter.virtual-queue { snapshot-every = 1, snapshot-max-jobs = 5 }");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String endpoint = "http://127.0.0.1:" + port + "/backlog";
    PairId pair;
    String pid;
    try (QueueFixture fixture = QueueFixture.startOn(dataDir, capped)) {
      pair = fixture.newPair("backlog");
      pid = VirtualQueue.persistenceId(pair).id();
      fixture.pause(pair);
      // each enqueue may come as several writes (cut to fit a cluster frame), each of more than 5
      fixture.enqueue(pair, fixture.jobs(pair, 60, endpoint, Instant.now()));
      fixture.enqueue(pair, fixture.jobs(pair, 60, endpoint, Instant.now()));

      assertThat(fixture.stats(pair).pending()).isEqualTo(120);
      JdbcJournalCompaction journal = new JdbcJournalCompaction(fixture.testKit().system());
      assertThat(journal.snapshotRows(pid).toCompletableFuture().join()).isZero();
    }

    try (QueueFixture restarted = QueueFixture.startOn(dataDir, capped)) {
      restarted.newPair("backlog");
      ScriptedDestination up = new ScriptedDestination(restarted.testKit().system(), port);
      restarted.awaitEmpty(pair);
      assertThat(up.received("/backlog")).hasSize(120);
      JdbcJournalCompaction journal = new JdbcJournalCompaction(restarted.testKit().system());
      restarted.await(
          () -> assertThat(journal.snapshotRows(pid).toCompletableFuture().join()).isPositive());
      up.close();
    }
  }

  @Test
  void aLongRetryingJobIsCarriedForwardAndStillDeliveredAfterARestart() throws Exception {
    int stuckPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      stuckPort = socket.getLocalPort();
    }
    PairId pair;
    Job stuck;
    try (QueueFixture fixture = QueueFixture.startOn(dataDir, SMALL)) {
      pair = fixture.newPair("mostly-fine");
      ScriptedDestination failing =
          new ScriptedDestination(fixture.testKit().system(), stuckPort)
              .script("/stuck", Response.status(503));
      stuck = fixture.jobs(pair, 1, failing.url("/stuck"), Instant.now()).get(0);
      fixture.enqueue(pair, List.of(stuck));
      for (int batch = 0; batch < 10; batch++) {
        fixture.enqueue(pair, fixture.jobs(pair, 200));
      }

      JdbcJournalCompaction journal = new JdbcJournalCompaction(fixture.testKit().system());
      String pid = VirtualQueue.persistenceId(pair).id();
      fixture.await(
          () -> {
            VirtualQueue.QueueStats stats = fixture.stats(pair);
            assertThat(stats.pending()).isEqualTo(1);
            assertThat(Traces.trace(fixture.testKit().system(), pair, stuck.id()))
                .anyMatch(JobEvent.CarriedForward.class::isInstance);
            assertThat(journal.eventRows(pid).toCompletableFuture().join())
                .isLessThanOrEqualTo(1_000);
          });
      assertThat(Traces.trace(fixture.testKit().system(), pair, stuck.id()).get(0))
          .as("its first events are gone")
          .isNotInstanceOf(JobEvent.AwaitingScheduling.class);
      // but not its first attempts: the carried event took them along
      List<JobEvent> trace = Traces.trace(fixture.testKit().system(), pair, stuck.id());
      JobEvent.CarriedForward carried =
          (JobEvent.CarriedForward)
              trace.stream()
                  .filter(JobEvent.CarriedForward.class::isInstance)
                  .findFirst()
                  .orElseThrow();
      assertThat(carried.earlierAttempts())
          .isNotEmpty()
          .allSatisfy(attempt -> assertThat(attempt.httpStatus()).isEqualTo(503));
      assertThat(carried.earlierAttempts()).extracting(Attempt::number).startsWith(1).isSorted();
      assertThat(fixture.trace(pair, stuck.id()).steps())
          .filteredOn(step -> step.state().equals("executing"))
          .extracting(Transition::attempt)
          .startsWith(1);
      failing.close();
    }

    try (QueueFixture restarted = QueueFixture.startOn(dataDir, SMALL)) {
      restarted.newPair("mostly-fine");
      ScriptedDestination recovered =
          new ScriptedDestination(restarted.testKit().system(), stuckPort);
      restarted.awaitEmpty(pair);
      assertThat(recovered.received("/stuck"))
          .extracting(r -> r.header("Idempotency-Key"))
          .containsExactly(stuck.id().toString());
      assertThat(recovered.received("/stuck").get(0).body()).isEqualTo(stuck.payload());
      recovered.close();
    }
  }
}
