package dev.eventrouter.queues.destination;

import dev.eventrouter.persistence.job.PairId;
import java.util.Optional;

/** Where a virtual queue finds its current delivery settings, and whether it may send. */
@FunctionalInterface
public interface Destinations {

  /**
   * Paused by an operator, the pair or its whole destination: its jobs are held (accepted, kept,
   * not attempted) until it is resumed.
   */
  default boolean paused(PairId pair) {
    return false;
  }

  /**
   * The settings of the pair's destination, with the pair's own overrides. Empty when the
   * destination is not (or no longer) configured: its jobs are held, not dropped.
   */
  Optional<DestinationSettings> find(PairId pair);
}
