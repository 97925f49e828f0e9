package dev.eventrouter.router.registry;

import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.destination.DestinationSettings;

/**
 * What operators set over the registry for a pair: whether it is paused, and its own limits. Asked
 * on every dispatch of every queue, so it answers from memory. The registry only consults it: who
 * keeps the operators' changes (the operator controls) depends on the registry, not the reverse.
 */
public interface PairOverrides {

  /** Nothing set: a node without operator controls (the Segment API on its own). */
  PairOverrides NONE =
      new PairOverrides() {
        @Override
        public boolean isPaused(PairId pair) {
          return false;
        }

        @Override
        public DestinationSettings limited(PairId pair, DestinationSettings configured) {
          return configured;
        }
      };

  boolean isPaused(PairId pair);

  /** The pair's delivery settings with the limits an operator set for it, if any. */
  DestinationSettings limited(PairId pair, DestinationSettings configured);
}
