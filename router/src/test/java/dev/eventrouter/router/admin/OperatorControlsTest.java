package dev.eventrouter.router.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.router.admin.OperatorControls.PairLimits;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The operator controls' entity alone, on the test kit's in-memory journal. */
class OperatorControlsTest {

  private static final ActorTestKit testKit =
      ActorTestKit.create(
          EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.defaultReference()));

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /**
   * The controls' journal is replayed whole when they start: limits a pair has already, set or
   * cleared again (a script, a dashboard), write nothing.
   */
  @Test
  void limitsAPairHasAlreadyAreNotWrittenAgain() {
    EventSourcedBehaviorTestKit<
            OperatorControls.Command, OperatorControls.Event, OperatorControls.State>
        controls = EventSourcedBehaviorTestKit.create(testKit.system(), OperatorControls.create());
    OperatorControls.Target pair = OperatorControls.Target.pair(new PairId("shop", "hook"));

    assertThat(set(controls, pair, new PairLimits(5, 2))).isOne();
    assertThat(set(controls, pair, new PairLimits(5, 2))).isZero();
    assertThat(set(controls, pair, new PairLimits(6, 2))).isOne();
    assertThat(set(controls, pair, new PairLimits(null, null))).isOne();
    assertThat(set(controls, pair, new PairLimits(null, null))).isZero();
    assertThat(controls.getState().limits()).isEmpty();
  }

  /** The events the command wrote. */
  private static int set(
      EventSourcedBehaviorTestKit<
              OperatorControls.Command, OperatorControls.Event, OperatorControls.State>
          controls,
      OperatorControls.Target pair,
      PairLimits limits) {
    return controls
        .<OperatorControls.State>runCommand(
            replyTo -> new OperatorControls.SetLimits(pair, limits, replyTo))
        .events()
        .size();
  }
}
