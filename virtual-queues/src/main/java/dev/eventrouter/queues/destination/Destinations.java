package dev.eventrouter.queues.destination;

import dev.eventrouter.persistence.job.PairId;
import java.util.Optional;

/** Where a virtual queue finds its current delivery settings. */
@FunctionalInterface
public interface Destinations {

  /**
   * The settings of the pair's destination, with the pair's own overrides. Empty when the
   * destination is not (or no longer) configured: its jobs are held, not dropped.
   */
  Optional<DestinationSettings> find(PairId pair);
}
