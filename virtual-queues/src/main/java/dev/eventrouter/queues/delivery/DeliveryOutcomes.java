package dev.eventrouter.queues.delivery;

import java.util.List;

/**
 * Outcomes a {@link DeliveryClient} tells its caller in one message: a request's, one per job, or
 * those of several requests of one caller answered together. An answer is a message to the queue
 * that sent the request, and one per job was a thread hand-off and a pass through the queue's
 * command handling for every job: a client that reads many responses at once (an event loop's turn)
 * tells each queue what it read for it together.
 */
public record DeliveryOutcomes(List<DeliveryOutcome> outcomes) {

  public DeliveryOutcomes {
    outcomes = List.copyOf(outcomes);
    if (outcomes.isEmpty()) {
      throw new IllegalArgumentException("a message carries at least one outcome");
    }
  }

  public static DeliveryOutcomes of(DeliveryOutcome outcome) {
    return new DeliveryOutcomes(List.of(outcome));
  }
}
