package dev.eventrouter.router.registry;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One immutable version of the settings registry: sources and the destinations they send to.
 *
 * @param routes per source, its enabled destinations
 */
public record Registry(Map<String, Destination> destinations, Map<String, List<Route>> routes) {

  public Registry {
    destinations = Map.copyOf(destinations);
    routes = Map.copyOf(routes);
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
