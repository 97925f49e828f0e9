package dev.eventrouter.router.registry;

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
public record Registry(Map<String, Destination> destinations, Map<String, List<Route>> routes,
    Map<String, List<String>> writeKeys) {

  public Registry {
    destinations = Map.copyOf(destinations);
    routes = Map.copyOf(routes);
    writeKeys = Map.copyOf(writeKeys);
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
