package dev.eventrouter.router.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.router.admin.OperatorControls.PairLimits;
import dev.eventrouter.router.registry.SecretBindings;
import java.util.Set;
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
        controls = EventSourcedBehaviorTestKit.create(testKit.system(), OperatorControls.create(0));
    OperatorControls.Target pair = OperatorControls.Target.pair(new PairId("shop", "hook"));

    assertThat(set(controls, pair, new PairLimits(5, 2))).isOne();
    assertThat(set(controls, pair, new PairLimits(5, 2))).isZero();
    assertThat(set(controls, pair, new PairLimits(6, 2))).isOne();
    assertThat(set(controls, pair, new PairLimits(null, null))).isOne();
    assertThat(set(controls, pair, new PairLimits(null, null))).isZero();
    assertThat(controls.getState().limits()).isEmpty();
  }

  /**
   * A snapshot every few events, with the registry's text, and the events before the older of the
   * last two snapshots deleted: a restart reads the snapshot and what came after it, not every
   * registry ever sent.
   */
  @Test
  void snapshotsKeepTheRegistrysTextAndTheEventsBeforeThemGo() {
    EventSourcedBehaviorTestKit<
            OperatorControls.Command, OperatorControls.Event, OperatorControls.State>
        controls = EventSourcedBehaviorTestKit.create(testKit.system(), OperatorControls.create(3));
    String pid = "OperatorControls|" + OperatorControls.ENTITY_ID;
    for (int i = 1; i <= 10; i++) {
      int n = i;
      controls.<OperatorControls.RegistryAnswer>runCommand(
          replyTo ->
              new OperatorControls.ReplaceRegistry(
                  "sources { s" + n + " { destinations = [] } }",
                  SecretBindings.NONE,
                  Set.of(),
                  replyTo));
    }
    OperatorControls.Target pair = OperatorControls.Target.pair(new PairId("shop", "hook"));
    controls.<OperatorControls.State>runCommand(
        replyTo -> new OperatorControls.Pause(pair, replyTo));

    assertThat(controls.snapshotTestKit().orElseThrow().persistedInStorage(pid))
        .isNotEmpty()
        .last()
        .satisfies(
            snapshot ->
                assertThat(snapshot.second()).isInstanceOf(OperatorControls.Snapshot.class));
    // snapshots after the 3rd, 6th and 9th events: those up to the 3rd are gone
    assertThat(controls.persistenceTestKit().persistedInStorage(pid)).hasSize(8);

    controls.restart();
    OperatorControls.RegistryText text =
        controls
            .<OperatorControls.RegistryText>runCommand(OperatorControls.GetRegistry::new)
            .reply();
    assertThat(text.version()).isEqualTo(10);
    assertThat(text.text()).isEqualTo("sources { s10 { destinations = [] } }");
    assertThat(controls.getState().isPaused(new PairId("shop", "hook"))).isTrue();
    assertThat(controls.getState().version()).isEqualTo(11);
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
