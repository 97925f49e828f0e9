package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobBatch;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.QueueEvent;
import dev.eventrouter.persistence.job.Transition;
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
 * A queue's journal written in one format is read in the other, with jobs part-way through their
 * lives: what a rolling upgrade does (a node that writes batches takes over a queue that an old
 * node wrote job by job) and what a mixed cluster does (a node still set to per-job takes over a
 * queue that a new node wrote in batches).
 */
@ExtendWith(LogCapturingExtension.class)
class JournalFormatsTest {

  private static final Config PER_JOB = format("per-job");
  private static final Config BATCHED = format("batched");

  @TempDir Path dataDir;

  private static Config format(String format) {
    return ConfigFactory.parseString("eventrouter.virtual-queue.journal-format = " + format);
  }

  @Test
  void jobsPartWayThroughTheirLivesGoOnAcrossFormatChanges() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    PairId pair;
    List<Job> first;
    List<Job> second;
    long firstRows;
    long secondRows;

    try (QueueFixture perJob = QueueFixture.startOn(dataDir, PER_JOB)) {
      pair = perJob.newPair("formats");
      ScriptedDestination failing =
          new ScriptedDestination(perJob.testKit().system(), port)
              .script("/first", Response.status(503));
      first = perJob.jobs(pair, 3, failing.url("/first"), Instant.now());
      perJob.enqueue(pair, first);
      perJob.await(() -> assertRetrying(perJob, pair, first));
      failing.close();
    }
    List<QueueEvent> perJobRows = rows(pair, PER_JOB, 0);
    assertThat(perJobRows).allMatch(JobEvent.class::isInstance).hasSizeGreaterThan(3);
    firstRows = perJobRows.size();

    try (QueueFixture batched = QueueFixture.startOn(dataDir, BATCHED)) {
      batched.newPair("formats");
      ScriptedDestination destination =
          new ScriptedDestination(batched.testKit().system(), port)
              .script("/second", Response.status(503));
      second = batched.jobs(pair, 3, destination.url("/second"), Instant.now());
      batched.enqueue(pair, second);
      batched.await(
          () -> {
            assertThat(destination.received("/first")).hasSizeGreaterThanOrEqualTo(3);
            assertThat(batched.stats(pair).pending()).isEqualTo(3);
            assertRetrying(batched, pair, second);
          });
      destination.close();
    }
    List<QueueEvent> batchedRows = rows(pair, BATCHED, firstRows + 1);
    assertThat(batchedRows).isNotEmpty().allMatch(JobBatch.class::isInstance);
    assertThat(batchedRows.get(0).jobEvents())
        .hasSize(3)
        .allMatch(JobEvent.AwaitingScheduling.class::isInstance);
    secondRows = firstRows + batchedRows.size();

    try (QueueFixture perJobAgain = QueueFixture.startOn(dataDir, PER_JOB)) {
      perJobAgain.newPair("formats");
      ScriptedDestination recovered = new ScriptedDestination(perJobAgain.testKit().system(), port);
      perJobAgain.awaitEmpty(pair);
      assertThat(recovered.received("/second"))
          .extracting(r -> r.header("Idempotency-Key"))
          .containsExactlyInAnyOrderElementsOf(
              second.stream().map(j -> j.id().toString()).toList());
      assertThat(Traces.rows(perJobAgain.testKit().system(), pair, secondRows + 1))
          .isNotEmpty()
          .allMatch(JobEvent.class::isInstance);
      for (Job job : first) {
        assertLife(perJobAgain, pair, job);
      }
      for (Job job : second) {
        assertLife(perJobAgain, pair, job);
      }
      recovered.close();
    }
  }

  private static void assertRetrying(QueueFixture fixture, PairId pair, List<Job> jobs) {
    for (Job job : jobs) {
      assertThat(Traces.trace(fixture.testKit().system(), pair, job.id()))
          .anyMatch(JobEvent.AwaitingRetry.class::isInstance);
    }
  }

  /** Accepted, failed at least once in one format, then delivered in another. */
  private static void assertLife(QueueFixture fixture, PairId pair, Job job) {
    List<String> states =
        fixture.trace(pair, job.id()).steps().stream().map(Transition::state).toList();
    assertThat(states)
        .startsWith("awaiting_scheduling", "executing", "awaiting_retry")
        .endsWith("executing", "succeeded");
  }

  private List<QueueEvent> rows(PairId pair, Config format, long from) {
    try (QueueFixture reader = QueueFixture.startOn(dataDir, format)) {
      return Traces.rows(reader.testKit().system(), pair, from);
    }
  }
}
