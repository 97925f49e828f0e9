package dev.eventrouter.router.registry;

import dev.eventrouter.queues.destination.DestinationSettings;
import dev.eventrouter.queues.destination.Destinations;
import java.util.Optional;

/**
 * The settings registry of this node, as loaded at start. Ingest routes records against it and
 * the virtual queues find their destination's delivery settings in it.
 */
public final class SettingsRegistry implements Destinations {

  private final Registry registry;

  public SettingsRegistry(Registry registry) {
    this.registry = registry;
  }

  public Registry current() {
    return registry;
  }

  /** A disabled destination stays known to its queues: jobs they already hold still need it. */
  @Override
  public Optional<DestinationSettings> find(String destinationId) {
    return registry.destination(destinationId).map(Destination::delivery);
  }
}
