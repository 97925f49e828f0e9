package dev.eventrouter.router.registry;

import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.router.filter.RouteFilter;
import java.net.URI;
import java.util.OptionalInt;

/**
 * One destination of a source: the endpoint its jobs go to (the source's own, or the
 * destination's), if the source has one, its own rate per second, and which of the source's events
 * it carries.
 *
 * @param pair the queue the route's jobs go to: made (and its ids checked) once per route, not per
 *     job
 */
public record Route(
    PairId pair,
    Destination destination,
    URI endpoint,
    OptionalInt ratePerSecond,
    RouteFilter filter) {

  /** The destination's delivery settings with this pair's overrides. */
  public DestinationSettings delivery() {
    return ratePerSecond.isPresent()
        ? destination.delivery().withRatePerSecond(ratePerSecond.getAsInt())
        : destination.delivery();
  }
}
