package dev.eventrouter.queues.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The start's warm-up, with each kind of client: its own server answers every request. */
@ParameterizedClass
@EnumSource(DeliveryClientSettings.Kind.class)
class DeliveryWarmUpTest {

  @Parameter DeliveryClientSettings.Kind kind;

  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private DeliveryClientSettings client() {
    return new DeliveryClientSettings(kind, 1, "eventrouter-test");
  }

  @Test
  void everyRequestIsAnsweredByItsOwnServerOnLoopback() throws Exception {
    long answered =
        new DeliveryWarmUp(1_000, Duration.ofSeconds(60), 16)
            .run(testKit.system(), client())
            .toCompletableFuture()
            .get(90, TimeUnit.SECONDS);

    assertThat(answered).isEqualTo(1_000);
  }

  /** More requests than a minute could answer: only its time limit ends it within one. */
  @Test
  void itEndsAtItsTimeLimitWithWhatWasAnswered() throws Exception {
    long answered =
        new DeliveryWarmUp(Integer.MAX_VALUE, Duration.ofMillis(500), 4)
            .run(testKit.system(), client())
            .toCompletableFuture()
            .get(60, TimeUnit.SECONDS);

    assertThat(answered).isLessThan(Integer.MAX_VALUE);
  }

  @Test
  void noRequestsMeansNoneSent() throws Exception {
    assertThat(
            new DeliveryWarmUp(0, Duration.ofSeconds(10), 64)
                .run(testKit.system(), client())
                .toCompletableFuture()
                .get(1, TimeUnit.SECONDS))
        .isZero();
  }

  @Test
  void theDefaultsAreReadAndNonsenseRefused() {
    assertThat(DeliveryWarmUp.fromConfig(ConfigFactory.load()))
        .isEqualTo(new DeliveryWarmUp(20_000, Duration.ofSeconds(10), 64));
    assertThatThrownBy(() -> new DeliveryWarmUp(-1, Duration.ofSeconds(1), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("eventrouter.delivery.warm-up");
    assertThatThrownBy(() -> new DeliveryWarmUp(1, Duration.ofSeconds(1), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
