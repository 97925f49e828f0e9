package dev.eventrouter.queues.destination;

import java.util.Optional;

/** Where a virtual queue finds its destination's current settings. */
@FunctionalInterface
public interface Destinations {

  /** Empty when the destination is not (or no longer) configured: its jobs are held, not dropped. */
  Optional<DestinationSettings> find(String destinationId);
}
