package dev.eventrouter.queues.delivery;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A caller of a delivery client in a test: the outcomes it is told, one at a time, however many a
 * message carries (a client may tell several requests' outcomes together).
 */
final class OutcomeProbe {

  private final TestProbe<DeliveryOutcomes> probe;
  private final Deque<DeliveryOutcome> told = new ArrayDeque<>();

  OutcomeProbe(TestProbe<DeliveryOutcomes> probe) {
    this.probe = probe;
  }

  ActorRef<DeliveryOutcomes> ref() {
    return probe.ref();
  }

  /** The next outcome told, waiting at most this long for a message. */
  DeliveryOutcome next(Duration within) {
    if (told.isEmpty()) {
      told.addAll(probe.receiveMessage(within).outcomes());
    }
    return told.poll();
  }
}
