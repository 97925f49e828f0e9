package dev.eventrouter.router.registry;

import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.router.filter.RouteFilter;
import java.net.URI;
import java.util.OptionalInt;

/**
 * One destination of a source: the endpoint its jobs go to (the source's own, or the
 * destination's), if the source has one, its own rate per second, and which of the source's events
 * it carries.
 */
public record Route(
    Destination destination, URI endpoint, OptionalInt ratePerSecond, RouteFilter filter) {

  /** The destination's delivery settings with this pair's overrides. */
  public DestinationSettings delivery() {
    return ratePerSecond.isPresent()
        ? destination.delivery().withRatePerSecond(ratePerSecond.getAsInt())
        : destination.delivery();
  }
}
