package dev.eventrouter.router.filter;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which events a route carries: those for which every condition holds; with no condition, every
 * event. Compiled once when the registry is loaded.
 */
public record RouteFilter(List<Condition> conditions) {

  /** No filter: the route carries every event of its source. */
  public static final RouteFilter ALL = new RouteFilter(List.of());

  /** The types of event the Segment spec has, which {@code types} may name. */
  public static final Set<String> EVENT_TYPES =
      Set.of("track", "identify", "page", "screen", "group", "alias");

  public static final FieldPath TYPE = new FieldPath(List.of("type"));
  public static final FieldPath EVENT = new FieldPath(List.of("event"));

  public RouteFilter {
    conditions = List.copyOf(conditions);
  }

  public boolean wants(EventFields event) {
    for (Condition condition : conditions) {
      if (!condition.holds(event.get(condition.field()))) {
        return false;
      }
    }
    return true;
  }

  /** The fields of the event its conditions read. */
  public Set<FieldPath> fields() {
    return conditions.stream().map(Condition::field).collect(Collectors.toSet());
  }
}
