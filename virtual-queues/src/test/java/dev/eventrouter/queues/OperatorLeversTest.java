package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.Transition;
import dev.eventrouter.queues.archive.ArchivedJob;
import dev.eventrouter.queues.delivery.DeliveryOutcome;
import dev.eventrouter.queues.delivery.DeliveryOutcomes;
import dev.eventrouter.queues.delivery.DeliveryRequest;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.RetryPolicy;
import dev.eventrouter.queues.testing.Answer;
import dev.eventrouter.queues.testing.QueueFixture;
import dev.eventrouter.queues.testing.ScriptedDestination.Response;
import dev.eventrouter.queues.testing.TestQueues;
import dev.eventrouter.queues.testing.Traces;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What an operator can do to a queue: pause and resume it, flush it, retry it now, look. */
@ExtendWith(LogCapturingExtension.class)
class OperatorLeversTest {

  @RegisterExtension static final QueueFixture fixture = new QueueFixture();

  @Test
  void aPausedPairHoldsItsJobsAndSendsThemOnResume() {
    PairId pair = fixture.newPair("held-paused");
    fixture.pause(pair);

    // a queue sends what it can before it acknowledges: nothing left while paused
    fixture.enqueue(pair, fixture.jobs(pair, 5));
    assertThat(fixture.held(pair)).isEmpty();
    VirtualQueue.QueueStats stats = fixture.stats(pair);
    assertThat(stats.paused()).isTrue();
    assertThat(stats.pending()).isEqualTo(5);
    assertThat(stats.oldestJobAt()).isNotNull();

    fixture.resume(pair);
    fixture.await(() -> assertThat(fixture.held(pair)).hasSize(5));
  }

  @Test
  void aFlushSendsEveryJobHeldToTheArchiveMarkedAsFlushed() {
    PairId pair = fixture.newPair("flushed");
    fixture.pause(pair);
    List<Job> jobs = fixture.jobs(pair, 7);
    fixture.enqueue(pair, jobs);

    assertThat(fixture.flushToArchive(pair).jobs()).isEqualTo(7);

    fixture.awaitEmpty(pair);
    assertThat(fixture.archive().archived())
        .filteredOn(a -> a.job().pair().equals(pair))
        .extracting(ArchivedJob::job)
        .containsExactlyInAnyOrderElementsOf(jobs);
    assertThat(fixture.archive().archived())
        .filteredOn(a -> a.job().pair().equals(pair))
        .allSatisfy(
            a ->
                assertThat(a.trace().get(a.trace().size() - 1))
                    .isInstanceOfSatisfying(
                        JobEvent.Archiving.class,
                        e -> assertThat(e.reason()).isEqualTo(JobEvent.Archiving.FLUSHED)));
    assertThat(fixture.destination().received(QueueFixture.path(pair))).isEmpty();
  }

  @Test
  void aFlushArchivesTheJobsInFlightWhoseAttemptFailsWithTheirTrace() {
    PairId pair = fixture.newPair("held-flushed");
    List<Job> jobs = fixture.jobs(pair, 5);
    fixture.enqueue(pair, jobs);
    fixture.await(() -> assertThat(fixture.held(pair)).hasSize(5));

    assertThat(fixture.flushToArchive(pair).jobs()).isEqualTo(5);

    // their attempts end after the flush: two fail with a response, one without, one succeeds,
    // one is refused by the destination
    List<DeliveryRequest> held = fixture.held(pair);
    Answer.respond(held.get(0), 503);
    Answer.respond(held.get(1), 500);
    Instant now = Instant.now();
    held.get(2)
        .replyTo()
        .tell(
            DeliveryOutcomes.of(
                DeliveryOutcome.failed(held.get(2).job().id(), 1, now, now, "timeout")));
    Answer.respond(held.get(3), 200);
    Answer.respond(held.get(4), 404);

    fixture.awaitEmpty(pair);
    List<Ksuid> failed = held.subList(0, 3).stream().map(r -> r.job().id()).toList();
    assertThat(fixture.archive().archivedIds(pair)).containsExactlyInAnyOrderElementsOf(failed);
    assertThat(fixture.archive().archived())
        .filteredOn(a -> a.job().pair().equals(pair))
        .allSatisfy(
            a ->
                assertThat(Transition.of(a.trace()))
                    .extracting(Transition::state)
                    .containsExactly(
                        "awaiting_scheduling", "executing", "awaiting_retry", "archiving"));
    assertThat(fixture.trace(pair, held.get(0).job().id()).steps().get(3).reason())
        .isEqualTo(JobEvent.Archiving.FLUSHED);
    assertThat(Traces.trace(fixture.testKit().system(), pair, held.get(3).job().id()))
        .last()
        .isInstanceOf(JobEvent.Succeeded.class);
    assertThat(Traces.trace(fixture.testKit().system(), pair, held.get(4).job().id()))
        .last()
        .isInstanceOf(JobEvent.Discarded.class);
  }

  @Test
  void retryNowAttemptsAtOnceWhatWouldWaitOutItsBackoff() {
    DestinationSettings slowRetry = TestQueues.destination("back-soon");
    slowRetry =
        new DestinationSettings(
            slowRetry.id(),
            slowRetry.maxInFlightPerPair(),
            0,
            slowRetry.maxConnections(),
            slowRetry.timeout(),
            new RetryPolicy(Duration.ofHours(1), Duration.ofHours(2)),
            slowRetry.expireAfter(),
            slowRetry.breaker());
    PairId pair = fixture.newPair(slowRetry);
    fixture
        .destination()
        .script(QueueFixture.path(pair), Response.status(503), Response.status(200));
    Job job = fixture.jobs(pair, 1).get(0);
    fixture.enqueue(pair, List.of(job));
    fixture.await(() -> assertThat(fixture.stats(pair).awaitingRetry()).isEqualTo(1));

    assertThat(fixture.retryNow(pair).jobs()).isEqualTo(1);

    fixture.awaitEmpty(pair);
    assertThat(fixture.destination().received(QueueFixture.path(pair))).hasSize(2);
    assertThat(fixture.trace(pair, job.id()).steps())
        .extracting(Transition::state)
        .containsExactly(
            "awaiting_scheduling",
            "executing",
            "awaiting_retry",
            "awaiting_retry",
            "executing",
            "succeeded");
    assertThat(fixture.trace(pair, job.id()).steps().get(3).reason()).isEqualTo("retry-now");
  }

  @Test
  void statsTellTheLastError() {
    PairId pair = fixture.newPair("failing");
    fixture.destination().script(QueueFixture.path(pair), Response.status(503));
    fixture.enqueue(pair, fixture.jobs(pair, 1));

    fixture.await(() -> assertThat(fixture.stats(pair).lastError()).isEqualTo("HTTP 503"));
    assertThat(fixture.stats(pair).lastErrorAt()).isNotNull();
  }
}
