package dev.eventrouter.router.registry;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One immutable version of the settings registry: sources and the destinations they send to.
 *
 * @param routes per source, its enabled destinations
 * @param writeKeys per source, the names of the secrets holding the write keys by which the
 *     Segment-compatible API knows it (never the keys themselves)
 */
public record Registry(
    Map<String, Destination> destinations,
    Map<String, List<Route>> routes,
    Map<String, List<String>> writeKeys) {

  public Registry {
    destinations = frozen(destinations);
    routes = frozen(routes);
    writeKeys = frozen(writeKeys);
  }

  /**
   * An unmodifiable hash map, not {@code Map.copyOf}: looked up for every record and by every
   * queue, with tens of thousands of sources. The immutable maps of {@code Map.copyOf} probe
   * linearly and compare the keys themselves at each step, and sources named in sequence ({@code
   * shop-1}, {@code shop-2}, ...) have neighbouring hashes that form long runs: a lookup read
   * dozens of scattered strings, a cache miss each. A hash map compares stored hashes first.
   */
  private static <K, V> Map<K, V> frozen(Map<K, V> map) {
    return Collections.unmodifiableMap(new HashMap<>(map));
  }

  /** A registry whose sources have no write keys: they send through Kafka only. */
  public Registry(Map<String, Destination> destinations, Map<String, List<Route>> routes) {
    this(destinations, routes, Map.of());
  }

  public boolean knowsSource(String source) {
    return routes.containsKey(source);
  }

  /** The enabled destinations of a source; empty for an unknown source. */
  public List<Route> routesOf(String source) {
    return routes.getOrDefault(source, List.of());
  }

  public Optional<Destination> destination(String id) {
    return Optional.ofNullable(destinations.get(id));
  }
}
