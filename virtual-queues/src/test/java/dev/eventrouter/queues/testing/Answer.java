package dev.eventrouter.queues.testing;

import dev.eventrouter.queues.delivery.DeliveryOutcome;
import dev.eventrouter.queues.delivery.DeliveryOutcomes;
import dev.eventrouter.queues.delivery.DeliveryRequest;
import java.time.Instant;
import java.util.Optional;

/** A destination played by a test: answers a request it was handed. */
public final class Answer {

  private Answer() {}

  /** The request's job is answered now with this status, as a delivery client would tell it. */
  public static void respond(DeliveryRequest request, int status) {
    Instant now = Instant.now();
    request
        .replyTo()
        .tell(
            DeliveryOutcomes.of(
                DeliveryOutcome.responded(
                    request.job().id(), request.attempt(), now, now, status, Optional.empty())));
  }
}
