package dev.eventrouter.router.registry;

import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.Destinations;
import java.util.Optional;

/**
 * The settings registry of this node, as loaded at start, with what operators paused. Ingest routes
 * records against it and the virtual queues find their destination's delivery settings in it.
 */
public final class SettingsRegistry implements Destinations {

  private volatile Registry registry;
  private final PairOverrides overrides;

  public SettingsRegistry(Registry registry, PairOverrides overrides) {
    this.registry = registry;
    this.overrides = overrides;
  }

  /** From now on, this registry (an operator replaced it at run time). */
  public void replace(Registry next) {
    registry = next;
  }

  @Override
  public boolean paused(PairId pair) {
    return overrides.isPaused(pair);
  }

  public Registry current() {
    return registry;
  }

  /**
   * The pair's settings: its route's, with the pair's own rate, and the limits an operator set for
   * it. A destination the source no longer routes to, or that is disabled, stays known to its
   * queue: jobs it already holds are still delivered.
   */
  @Override
  public Optional<DestinationSettings> find(PairId pair) {
    return configured(pair).map(settings -> overrides.limited(pair, settings));
  }

  private Optional<DestinationSettings> configured(PairId pair) {
    Registry current = registry;
    return route(current, pair)
        .map(Route::delivery)
        .or(() -> current.destination(pair.destination()).map(Destination::delivery));
  }

  /** The pair's route now; empty when its source does not send to the destination, or it is off. */
  public Optional<Route> route(PairId pair) {
    return route(registry, pair);
  }

  private static Optional<Route> route(Registry registry, PairId pair) {
    for (Route route : registry.routesOf(pair.source())) {
      if (route.destination().id().equals(pair.destination())) {
        return Optional.of(route);
      }
    }
    return Optional.empty();
  }
}
