package dev.eventrouter.queues.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.queues.destination.BreakerSettings;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.testing.TestQueues;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A destination's breaker follows its settings, and does not stay open with nobody asking. */
class DestinationBreakersTest {

  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private final DestinationBreakers breakers = new DestinationBreakers();

  @Test
  void newBreakerSettingsForADestinationMakeItsBreakerAgainAndTheSameSettingsDoNot() {
    DestinationSettings webhook =
        TestQueues.destination("webhook")
            .withBreaker(new BreakerSettings(50, 10, 10, Duration.ofSeconds(30), 2));
    CircuitBreaker first = breakers.of(webhook);
    assertThat(breakers.of(webhook.withBreaker(webhook.breaker()))).isSameAs(first);

    CircuitBreaker loosened =
        breakers.of(webhook.withBreaker(new BreakerSettings(90, 20, 20, Duration.ofSeconds(5), 4)));

    assertThat(loosened).isNotSameAs(first);
    assertThat(loosened.getCircuitBreakerConfig().getFailureRateThreshold()).isEqualTo(90);
    assertThat(loosened.getCircuitBreakerConfig().getMinimumNumberOfCalls()).isEqualTo(20);
    assertThat(breakers.states()).containsOnlyKeys("webhook");
  }

  /**
   * An answer to a request sent before the change comes with the settings of before: it is told to
   * the breaker there is, which it does not make again (the old and the new would replace each
   * other, each time with an empty window).
   */
  @Test
  void anAnswerWithTheSettingsOfBeforeIsToldToTheCurrentBreaker() {
    DestinationSettings before =
        TestQueues.destination("hook")
            .withBreaker(new BreakerSettings(50, 10, 10, Duration.ofSeconds(30), 2));
    DestinationSettings after =
        before.withBreaker(new BreakerSettings(90, 20, 20, Duration.ofSeconds(5), 4));
    breakers.of(before);
    CircuitBreaker now = breakers.of(after);

    assertThat(breakers.current(before)).isSameAs(now);
    assertThat(breakers.of(after)).isSameAs(now);
  }

  @Test
  void anOpenBreakerThatNobodyAsksTurnsHalfOpenOnceItsOpenTimeIsOver() {
    DestinationSettings down =
        TestQueues.destination("down")
            .withBreaker(new BreakerSettings(50, 4, 4, Duration.ofMillis(300), 1));
    CircuitBreaker breaker = breakers.of(down);
    for (int i = 0; i < 4; i++) {
      breaker.tryAcquirePermission();
      breaker.onError(1, TimeUnit.MILLISECONDS, new IllegalStateException("503"));
    }
    assertThat(breakers.states()).containsEntry("down", CircuitBreaker.State.OPEN);

    testKit
        .createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(10),
            () -> {
              assertThat(breakers.states()).containsEntry("down", CircuitBreaker.State.HALF_OPEN);
              return null;
            });
  }
}
