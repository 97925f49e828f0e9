package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.persistence.job.DiscardOrigin;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.adapter.Batching;
import dev.eventrouter.queues.adapter.WebhookAdapter;
import dev.eventrouter.queues.testing.QueueFixture;
import dev.eventrouter.queues.testing.ScriptedDestination;
import dev.eventrouter.queues.testing.TestQueues;
import dev.eventrouter.queues.testing.Traces;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A batching webhook: the queue gathers a pair's due jobs into requests of up to max-events, each a
 * JSON array of the payloads; the answer is each job's, in each job's own trace.
 */
class BatchedDeliveryTest {

  @RegisterExtension static QueueFixture fixture = new QueueFixture();

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void dueJobsGoFiveToARequestAndEachIsDeliveredInItsOwnTrace() throws Exception {
    PairId pair = batchedPair(5, Duration.ZERO);
    fixture.pause(pair);
    List<Job> jobs = fixture.jobs(pair, 12);
    fixture.enqueue(pair, jobs);
    fixture.resume(pair);

    fixture.awaitEmpty(pair);
    List<ScriptedDestination.Received> requests =
        fixture.destination().received(QueueFixture.path(pair));
    // the three requests go at once, on several connections: they may arrive in any order
    assertThat(requests)
        .extracting(r -> r.header("X-Batch-Size"))
        .containsExactlyInAnyOrder("5", "5", "2");
    List<String> delivered = new ArrayList<>();
    for (ScriptedDestination.Received request : requests) {
      assertThat(request.header("X-Message-Id")).isNull();
      for (JsonNode event : JSON.readTree(request.body())) {
        delivered.add(event.get("messageId").asText());
      }
    }
    assertThat(delivered)
        .as("each once")
        .containsExactlyInAnyOrderElementsOf(jobs.stream().map(Job::messageId).toList());
    for (Job job : jobs) {
      assertThat(Traces.trace(fixture.testKit().system(), pair, job.id()))
          .extracting(e -> e.getClass().getSimpleName())
          .containsExactly("AwaitingScheduling", "Succeeded");
    }
  }

  @Test
  void aRetryableFailureRetriesTheBatchAndARefusedBatchIsSplitIntoJobsSentAlone() {
    PairId pair = batchedPair(3, Duration.ZERO);
    // the batch: 503, then refused as a whole; alone, the second job to arrive is refused
    fixture
        .destination()
        .script(
            QueueFixture.path(pair),
            ScriptedDestination.Response.status(503),
            ScriptedDestination.Response.status(422),
            ScriptedDestination.Response.status(200),
            ScriptedDestination.Response.status(422),
            ScriptedDestination.Response.status(200));
    fixture.pause(pair);
    List<Job> jobs = fixture.jobs(pair, 3);
    fixture.enqueue(pair, jobs);
    fixture.resume(pair);

    fixture.awaitEmpty(pair);
    // alone, a job goes as an unbatched webhook's does: its event, not an array of one
    assertThat(fixture.destination().received(QueueFixture.path(pair)))
        .extracting(r -> r.header("X-Batch-Size"))
        .containsExactly("3", "3", null, null, null);
    List<String> ends = new ArrayList<>();
    for (Job job : jobs) {
      List<JobEvent> trace = Traces.trace(fixture.testKit().system(), pair, job.id());
      assertThat(trace)
          .extracting(e -> e.getClass().getSimpleName())
          .startsWith("AwaitingScheduling", "AwaitingRetry", "AwaitingRetry")
          .hasSize(4);
      assertThat(((JobEvent.AwaitingRetry) trace.get(1)).attempt().httpStatus()).isEqualTo(503);
      JobEvent.AwaitingRetry split = (JobEvent.AwaitingRetry) trace.get(2);
      assertThat(split.attempt().httpStatus()).isEqualTo(422);
      assertThat(split.attempt().error())
          .isEqualTo("refused the batch of 3 events: each is sent alone");
      JobEvent last = trace.get(3);
      if (last instanceof JobEvent.Discarded discarded) {
        // refused alone: its own answer, not the batch's
        assertThat(discarded.attempt().number()).isEqualTo(3);
        assertThat(discarded.reason()).isEqualTo("HTTP 422");
        assertThat(discarded.origin()).isEqualTo(DiscardOrigin.CUSTOMER);
      }
      ends.add(last.getClass().getSimpleName());
    }
    assertThat(ends).containsExactlyInAnyOrder("Succeeded", "Succeeded", "Discarded");
  }

  @Test
  void aBatchThatIsNotFullWaitsMaxWaitForMore() {
    PairId pair = batchedPair(10, Duration.ofMillis(300));
    List<Job> first = fixture.jobs(pair, 2);
    fixture.enqueue(pair, first);
    // within max-wait, the two wait for more; the next three join them
    fixture.enqueue(pair, fixture.jobs(pair, 3));

    fixture.awaitEmpty(pair);
    assertThat(fixture.destination().received(QueueFixture.path(pair)))
        .extracting(r -> r.header("X-Batch-Size"))
        .containsExactly("5");
  }

  private static PairId batchedPair(int maxEvents, Duration maxWait) {
    return fixture.newPair(
        TestQueues.destination("batched-" + UUID.randomUUID().toString().substring(0, 8))
            .withAdapter(new WebhookAdapter(new Batching(maxEvents, 1_000_000, maxWait))));
  }
}
