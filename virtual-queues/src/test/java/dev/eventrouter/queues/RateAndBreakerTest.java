package dev.eventrouter.queues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.destination.BreakerSettings;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.testing.QueueFixture;
import dev.eventrouter.queues.testing.ScriptedDestination.Received;
import dev.eventrouter.queues.testing.ScriptedDestination.Response;
import dev.eventrouter.queues.testing.TestQueues;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The pair's rate limit (and how 429s move it) and the destination's circuit breaker. */
@ExtendWith(LogCapturingExtension.class)
class RateAndBreakerTest {

  @RegisterExtension static final QueueFixture fixture = new QueueFixture();

  @Test
  void aPairNeverSendsFasterThanItsRate() {
    int rate = 10;
    PairId pair = fixture.newPair(TestQueues.destination("metered").withRatePerSecond(rate));
    Instant enqueued = Instant.now();

    fixture.enqueue(pair, fixture.jobs(pair, 35));

    fixture.awaitEmpty(pair);
    // the permits of the destination's limit taken for sends the rate refused went back
    assertThat(fixture.limits().of("metered").inUse()).isZero();
    List<Instant> times =
        fixture.destination().received(QueueFixture.path(pair)).stream()
            .map(Received::at)
            .sorted()
            .toList();
    assertThat(times).hasSize(35);
    // the k-th request cannot have left before k - 1 rate periods went by (less one, for the
    // period the first one started in): a lower bound, which a slow machine only makes easier
    Duration period = Duration.ofSeconds(1).dividedBy(rate);
    for (int k = 2; k <= times.size(); k++) {
      assertThat(times.get(k - 1))
          .as("request %d", k)
          .isAfterOrEqualTo(enqueued.plus(period.multipliedBy(k - 2)));
    }
  }

  @Test
  void a429HalvesThePairsRateWhichThenClimbsBack() {
    PairId pair = fixture.newPair(TestQueues.destination("throttling").withRatePerSecond(20));
    fixture
        .destination()
        .script(QueueFixture.path(pair), Response.status(429), Response.status(200));

    fixture.enqueue(pair, fixture.jobs(pair, 5));

    fixture.await(() -> assertThat(fixture.stats(pair).rateLimit()).isBetween(10, 19));
    fixture.await(() -> assertThat(fixture.stats(pair).rateLimit()).isEqualTo(20));
    fixture.awaitEmpty(pair);
  }

  @Test
  void anOpenBreakerLetsOnlyProbesThroughAndClosesWhenTheDestinationRecovers() {
    DestinationSettings failing =
        TestQueues.destination("failing")
            .withBreaker(new BreakerSettings(50, 10, 10, Duration.ofSeconds(1), 2));
    PairId first = fixture.newPair(failing);
    PairId second = fixture.newPair(failing);
    fixture.destination().script(QueueFixture.path(first), Response.status(500));
    fixture.destination().script(QueueFixture.path(second), Response.status(500));
    // counted as the breaker moves: a round of probes before any of its probes leaves
    AtomicInteger probeRounds = new AtomicInteger();
    AtomicInteger reopened = new AtomicInteger();
    fixture
        .breakers()
        .of(failing)
        .getEventPublisher()
        .onStateTransition(
            event -> {
              switch (event.getStateTransition()) {
                case OPEN_TO_HALF_OPEN -> probeRounds.incrementAndGet();
                case HALF_OPEN_TO_OPEN -> reopened.incrementAndGet();
                default -> {}
              }
            });

    fixture.enqueue(first, fixture.jobs(first, 20));
    fixture.enqueue(second, fixture.jobs(second, 20));

    fixture.await(() -> assertThat(fixture.stats(first).breaker()).isEqualTo("OPEN"));
    int atOpen = requests(first, second);
    // two rounds of probes let through, failed, and the breaker open again after each
    fixture.await(() -> assertThat(reopened.get()).isGreaterThanOrEqualTo(2));
    int afterOpen = requests(first, second) - atOpen;
    // what reached the destination since it opened: what was in flight then (at most 2 x 8) and
    // at most 2 probes per round begun (read after the requests: a round begun since only adds)
    assertThat(afterOpen).isLessThanOrEqualTo(2 * 8 + 2 * probeRounds.get());
    assertThat(fixture.stats(first).pending()).isEqualTo(20);

    fixture.destination().script(QueueFixture.path(first), Response.status(200));
    fixture.destination().script(QueueFixture.path(second), Response.status(200));

    fixture.awaitEmpty(first);
    fixture.awaitEmpty(second);
    assertThat(fixture.stats(first).breaker()).isEqualTo("CLOSED");
    // nor were permits kept for the sends the open breaker refused
    assertThat(fixture.limits().of(failing.id()).inUse()).isZero();
  }

  private static int requests(PairId... pairs) {
    int count = 0;
    for (PairId pair : pairs) {
      count += fixture.destination().received(QueueFixture.path(pair)).size();
    }
    return count;
  }
}
