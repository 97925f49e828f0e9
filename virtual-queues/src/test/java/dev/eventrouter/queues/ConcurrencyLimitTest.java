package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.destination.BreakerSettings;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.limit.DestinationLimit;
import dev.eventrouter.queues.testing.QueueFixture;
import dev.eventrouter.queues.testing.ScriptedDestination.Received;
import dev.eventrouter.queues.testing.ScriptedDestination.Response;
import dev.eventrouter.queues.testing.TestQueues;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The destination's adaptive concurrency limit, with the queues sending through it. */
@ExtendWith(LogCapturingExtension.class)
class ConcurrencyLimitTest {

  /** A queue stopping with requests under way waits no longer than this for their answers. */
  @RegisterExtension
  static final QueueFixture fixture =
      new QueueFixture(
          com.typesafe.config.ConfigFactory.parseString(
              "eventrouter.virtual-queue.stop-wait = 200ms"));

  /** The router's default breaker: it opens only when 95 % of the last 100 attempts failed. */
  private static final BreakerSettings DOWN_ONLY =
      new BreakerSettings(95, 100, 20, Duration.ofSeconds(10), 3);

  @Test
  void aDestinationFailingHalfItsRequestsGetsEveryJobWithItsBreakerClosed() {
    DestinationSettings flaky = TestQueues.destination("half-failing").withBreaker(DOWN_ONLY);
    PairId first = fixture.newPair(flaky);
    PairId second = fixture.newPair(flaky);
    AtomicInteger opened = new AtomicInteger();
    fixture
        .breakers()
        .of(flaky)
        .getEventPublisher()
        .onStateTransition(
            event -> {
              if (event.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
                opened.incrementAndGet();
              }
            });
    // every other request of each pair answered 500, as long as its jobs last
    for (PairId pair : List.of(first, second)) {
      List<Response> halfFailing = new ArrayList<>();
      for (int i = 0; i < 350; i++) {
        halfFailing.add(Response.status(500));
        halfFailing.add(Response.status(200));
      }
      fixture.destination().script(QueueFixture.path(pair), halfFailing.toArray(Response[]::new));
    }

    fixture.enqueue(first, fixture.jobs(first, 350));
    fixture.enqueue(second, fixture.jobs(second, 350));

    // 1,400 requests at the few under way a half-failing destination is allowed: a bound for a
    // loaded machine, not a pace (they take about 20 s on a 2-core machine at load 25)
    fixture.awaitEmpty(first, Duration.ofMinutes(3));
    fixture.awaitEmpty(second, Duration.ofMinutes(3));
    assertThat(delivered(first) + delivered(second)).isEqualTo(700);
    assertThat(opened.get()).as("times the breaker opened").isZero();
    DestinationLimit limit = fixture.limits().of(flaky.id());
    // every permit went back, each once: none is held, and the limit was cut, not lifted
    assertThat(limit.inUse()).isZero();
    assertThat(limit.limit()).isLessThan(20);
  }

  @Test
  void aQueueStoppingWithRequestsUnderWayGivesTheirPermitsBack() {
    // requests to a held- destination are never answered
    PairId pair = fixture.newPair(TestQueues.destination("held-stopping"));
    fixture.enqueue(pair, fixture.jobs(pair, 8));
    fixture.await(() -> assertThat(fixture.held(pair)).hasSize(8));
    DestinationLimit limit = fixture.limits().of("held-stopping");
    assertThat(limit.inUse()).isEqualTo(8);

    fixture.stop(pair);

    // it waits stop-wait for their answers, then stops with them unanswered
    fixture.await(() -> assertThat(limit.inUse()).isZero());
  }

  private static long delivered(PairId pair) {
    List<Received> received = fixture.destination().received(QueueFixture.path(pair));
    // the script's 350 failures, then one success per job
    return received.size() - 350;
  }
}
