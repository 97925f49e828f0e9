package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.Transition;
import dev.eventrouter.queues.testing.QueueFixture;
import dev.eventrouter.queues.testing.ScriptedDestination.Response;
import dev.eventrouter.queues.testing.Traces;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Jobs whose expiry passes leave through the archive, and only once the archive has them. */
@ExtendWith(LogCapturingExtension.class)
class ExpiryTest {

  @RegisterExtension static final QueueFixture fixture = new QueueFixture();

  @Test
  void awaitingRetryToArchivingToArchivedWhenTheExpiryPasses() {
    PairId pair = fixture.newPair("down");
    fixture.destination().script(QueueFixture.path(pair), Response.status(503));
    // jobs live 4 hours from their creation: these were created 2 seconds short of that
    Instant created = Instant.now().minus(Duration.ofHours(4)).plusSeconds(2);
    List<Job> jobs =
        fixture.jobs(pair, 3, fixture.destination().url(QueueFixture.path(pair)), created);

    fixture.enqueue(pair, jobs);

    fixture.awaitEmpty(pair);
    assertThat(fixture.archive().archivedIds(pair))
        .containsExactlyInAnyOrderElementsOf(jobs.stream().map(Job::id).toList());
    for (Job job : jobs) {
      List<JobEvent> trace = Traces.trace(fixture.testKit().system(), pair, job.id());
      assertThat(trace.get(0)).isInstanceOf(JobEvent.AwaitingScheduling.class);
      assertThat(trace.subList(1, trace.size() - 2))
          .isNotEmpty()
          .allSatisfy(e -> assertThat(e).isInstanceOf(JobEvent.AwaitingRetry.class));
      assertThat(trace.get(trace.size() - 2))
          .isInstanceOfSatisfying(
              JobEvent.Archiving.class,
              a -> assertThat(a.reason()).isEqualTo(JobEvent.Archiving.EXPIRED));
      assertThat(trace.get(trace.size() - 1))
          .isInstanceOfSatisfying(
              JobEvent.Archived.class,
              a -> assertThat(a.location()).startsWith("test://" + pair.entityId()));
      // the archive got the job whole, with its trace up to the archiving
      assertThat(fixture.archive().archived())
          .filteredOn(a -> a.job().id().equals(job.id()))
          .singleElement()
          .satisfies(
              archived -> {
                assertThat(archived.job()).isEqualTo(job);
                assertThat(archived.trace())
                    .containsExactlyElementsOf(trace.subList(0, trace.size() - 1));
              });
      // and the queue still tells it, finished
      VirtualQueue.JobTrace told = fixture.trace(pair, job.id());
      assertThat(told.live()).isFalse();
      assertThat(told.steps())
          .extracting(Transition::state)
          .startsWith("awaiting_scheduling", "executing", "awaiting_retry")
          .endsWith("archiving", "archived");
      assertThat(told.steps())
          .filteredOn(step -> step.state().equals("awaiting_retry"))
          .allSatisfy(
              step -> {
                assertThat(step.httpStatus()).isEqualTo(503);
                assertThat(step.retryAt()).isNotNull();
              });
    }
  }

  @Test
  void theTraceOfALiveJobShowsItsAttemptsSoFar() {
    PairId pair = fixture.newPair("down-for-now");
    fixture.destination().script(QueueFixture.path(pair), Response.status(500));
    Job job = fixture.jobs(pair, 1).get(0);

    fixture.enqueue(pair, List.of(job));

    fixture.await(
        () ->
            assertThat(fixture.trace(pair, job.id()).steps())
                .filteredOn(step -> step.state().equals("awaiting_retry"))
                .hasSizeGreaterThanOrEqualTo(1));
    VirtualQueue.JobTrace trace = fixture.trace(pair, job.id());
    assertThat(trace.live()).isTrue();
    assertThat(trace.steps().get(0).state()).isEqualTo("awaiting_scheduling");
    assertThat(trace.steps().get(0).at()).isEqualTo(job.createdAt());
    assertThat(trace.steps().get(1).state()).isEqualTo("executing");
    assertThat(trace.steps().get(1).attempt()).isEqualTo(1);
    assertThat(trace.steps().get(2).httpStatus()).isEqualTo(500);
  }

  @Test
  void theTraceOfAJobTheQueueNeverHadIsEmpty() {
    PairId pair = fixture.newPair("quiet");
    Job job = fixture.jobs(pair, 1).get(0);

    VirtualQueue.JobTrace trace = fixture.trace(pair, job.id());

    assertThat(trace.live()).isFalse();
    assertThat(trace.steps()).isEmpty();
  }

  @Test
  void awaitingSchedulingToArchivingWithoutAnAttemptWhenAlreadyExpired() {
    PairId pair = fixture.newPair("late");
    Instant longAgo = Instant.now().minus(Duration.ofHours(5));
    Job job =
        fixture.jobs(pair, 1, fixture.destination().url(QueueFixture.path(pair)), longAgo).get(0);

    fixture.enqueue(pair, List.of(job));

    fixture.awaitEmpty(pair);
    assertThat(fixture.destination().received(QueueFixture.path(pair))).isEmpty();
    assertThat(Traces.trace(fixture.testKit().system(), pair, job.id()))
        .extracting(e -> e.getClass().getSimpleName())
        .containsExactly("AwaitingScheduling", "Archiving", "Archived");
  }

  @Test
  void keepsArchivingWhileTheArchiveFailsAndLosesNothing() {
    PairId pair = fixture.newPair("late-and-unlucky");
    Instant longAgo = Instant.now().minus(Duration.ofHours(5));
    List<Job> jobs =
        fixture.jobs(pair, 4, fixture.destination().url(QueueFixture.path(pair)), longAgo);
    int callsBefore = fixture.archive().calls();
    fixture.archive().failNext(3);

    fixture.enqueue(pair, jobs);

    fixture.awaitEmpty(pair);
    assertThat(fixture.archive().calls() - callsBefore).isGreaterThanOrEqualTo(4);
    assertThat(fixture.archive().archivedIds(pair))
        .containsExactlyInAnyOrderElementsOf(jobs.stream().map(Job::id).toList());
  }
}
