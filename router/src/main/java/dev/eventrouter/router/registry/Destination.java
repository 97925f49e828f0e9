package dev.eventrouter.router.registry;

import dev.eventrouter.queues.destination.DestinationSettings;
import java.net.URI;
import java.util.Map;

/**
 * A destination as configured: where its jobs go by default, whether it is on, the headers sent
 * with every request, how the virtual queues treat it, and in what order it gets its events.
 */
public record Destination(
    String id,
    URI endpoint,
    boolean enabled,
    Map<String, String> headers,
    DestinationSettings delivery,
    Ordering ordering) {

  public Destination {
    // immutable, so that the jobs made for it share this map rather than each copy it
    headers = Map.copyOf(headers);
  }
}
