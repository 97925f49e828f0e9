package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.destination.BreakerSettings;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.testing.QueueFixture;
import dev.eventrouter.queues.testing.ScriptedDestination.Received;
import dev.eventrouter.queues.testing.ScriptedDestination.Response;
import dev.eventrouter.queues.testing.TestQueues;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The property the design exists for: a destination that fails or hangs slows no other. The same
 * sources send to a healthy destination and to a second one that is stuck for as long as the test
 * runs: it holds every request it gets (every connection its pool may open is taken, and more
 * requests wait in its queue), or it fails them until its breaker opens and stays open. Every job
 * for the healthy destination must then arrive, once and on its first attempt, while the second is
 * still stuck: if the healthy pairs waited on the other destination's slots, connections or
 * breaker, they would wait for the end of the test. Nothing here is timed; how fast the healthy
 * destination goes beside a faulty one is the load harness's scenario (BENCHMARKS.md).
 */
@ExtendWith(LogCapturingExtension.class)
class IsolationTest {

  private static final int SOURCES = 4;
  private static final int JOBS = 50;
  // longer than the test: the stuck destination's requests and breaker do not come back by
  // themselves while the healthy jobs are delivered
  private static final Duration STUCK = Duration.ofMinutes(10);

  @RegisterExtension static final QueueFixture fixture = new QueueFixture();

  @Test
  void aHangingDestinationDoesNotHoldUpTheHealthyOne() {
    CompletableFuture<Void> released = new CompletableFuture<>();
    DestinationSettings hanging =
        VirtualQueueTest.withTimeout(TestQueues.destination("hanging"), STUCK);
    // its pairs may have more requests out than it may open connections: its pool is full
    assertThat(SOURCES * hanging.maxInFlightPerPair()).isGreaterThan(hanging.maxConnections());
    Sources sources = sources(hanging, Response.status(200).heldUntil(released));
    try {
      fixture.await(
          () -> assertThat(received(sources.toOther())).hasSize(hanging.maxConnections()));

      List<Job> healthyJobs = sources.sendToHealthy();
      fixture.await(() -> assertThat(received(sources.toHealthy())).hasSize(healthyJobs.size()));
      assertDeliveredOnceOnFirstAttempt(sources.toHealthy(), healthyJobs);
      assertThat(received(sources.toOther()))
          .as("the hanging destination still holds its requests")
          .hasSize(hanging.maxConnections());
      assertThat(fixture.stats(sources.toHealthy().get(0)).breaker()).isEqualTo("CLOSED");
    } finally {
      released.complete(null);
    }
  }

  @Test
  void aFailingDestinationWhoseBreakerIsOpenDoesNotHoldUpTheHealthyOne() {
    DestinationSettings failing = withBreakerOpenFor(TestQueues.destination("failing"), STUCK);
    Sources sources = sources(failing, Response.status(500));
    fixture.await(
        () -> assertThat(fixture.stats(sources.toOther().get(0)).breaker()).isEqualTo("OPEN"));

    List<Job> healthyJobs = sources.sendToHealthy();
    fixture.await(() -> assertThat(received(sources.toHealthy())).hasSize(healthyJobs.size()));
    assertDeliveredOnceOnFirstAttempt(sources.toHealthy(), healthyJobs);
    assertThat(fixture.stats(sources.toOther().get(0)).breaker()).isEqualTo("OPEN");
    assertThat(fixture.stats(sources.toHealthy().get(0)).breaker()).isEqualTo("CLOSED");
  }

  /**
   * The same sources sending to a healthy destination and to {@code other}, which answers with
   * {@code answer}; the other destination's jobs are sent at once, the healthy one's later.
   */
  private static Sources sources(DestinationSettings other, Response answer) {
    DestinationSettings healthy = TestQueues.destination("healthy-beside-" + other.id());
    List<PairId> toHealthy = new ArrayList<>();
    List<PairId> toOther = new ArrayList<>();
    for (int i = 0; i < SOURCES; i++) {
      PairId healthyPair = fixture.newPair(healthy);
      PairId otherPair = new PairId(healthyPair.source(), other.id());
      fixture.newPair(other);
      fixture.destination().script(QueueFixture.path(otherPair), answer);
      toHealthy.add(healthyPair);
      toOther.add(otherPair);
    }
    for (PairId pair : toOther) {
      fixture.enqueue(pair, fixture.jobs(pair, JOBS));
    }
    return new Sources(toHealthy, toOther);
  }

  private record Sources(List<PairId> toHealthy, List<PairId> toOther) {
    List<Job> sendToHealthy() {
      List<Job> sent = new ArrayList<>();
      for (PairId pair : toHealthy) {
        List<Job> jobs = fixture.jobs(pair, JOBS);
        fixture.enqueue(pair, jobs);
        sent.addAll(jobs);
      }
      return sent;
    }
  }

  private static void assertDeliveredOnceOnFirstAttempt(List<PairId> pairs, List<Job> jobs) {
    List<Received> received = received(pairs);
    assertThat(received)
        .extracting(r -> r.header("X-Message-Id"))
        .containsExactlyInAnyOrderElementsOf(jobs.stream().map(Job::messageId).toList());
    assertThat(received).extracting(r -> r.header("X-Delivery-Attempt")).containsOnly("1");
  }

  private static List<Received> received(List<PairId> pairs) {
    return pairs.stream()
        .flatMap(pair -> fixture.destination().received(QueueFixture.path(pair)).stream())
        .toList();
  }

  private static DestinationSettings withBreakerOpenFor(DestinationSettings d, Duration openFor) {
    BreakerSettings b = d.breaker();
    return new DestinationSettings(
        d.id(),
        d.maxInFlightPerPair(),
        d.ratePerSecond(),
        d.maxConnections(),
        d.timeout(),
        d.retry(),
        d.expireAfter(),
        new BreakerSettings(
            b.failureRatePercent(),
            b.slidingWindow(),
            b.minimumCalls(),
            openFor,
            b.halfOpenProbes()));
  }
}
