package dev.eventrouter.router.registry;

import dev.eventrouter.queues.destination.DestinationSettings;
import java.net.URI;
import java.util.OptionalInt;

/**
 * One destination of a source: the endpoint its jobs go to (the source's own, or the
 * destination's) and, if the source has one, its own rate per second.
 */
public record Route(Destination destination, URI endpoint, OptionalInt ratePerSecond) {

  /** The destination's delivery settings with this pair's overrides. */
  public DestinationSettings delivery() {
    return ratePerSecond.isPresent()
        ? destination.delivery().withRatePerSecond(ratePerSecond.getAsInt())
        : destination.delivery();
  }
}
