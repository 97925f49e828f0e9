package dev.eventrouter.router.filter;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The fields to take from an event, as a tree of names, so that the single pass that checks its
 * JSON takes them on the way and skips every name outside the tree unread.
 *
 * @param path the field this node stands for; null at the top
 * @param taken whether this field's value is wanted (rather than only fields inside it)
 */
public record FieldSelection(FieldPath path, boolean taken, Map<String, FieldSelection> children) {

  /** Nothing to take: what an event whose routes have no filter is read with. */
  public static final FieldSelection NONE = new FieldSelection(null, false, Map.of());

  public FieldSelection {
    children = Map.copyOf(children);
  }

  public static FieldSelection of(Collection<FieldPath> fields) {
    return fields.isEmpty() ? NONE : node(null, 0, fields);
  }

  private static FieldSelection node(FieldPath path, int depth, Collection<FieldPath> fields) {
    Map<String, Set<FieldPath>> below = new HashMap<>();
    for (FieldPath field : fields) {
      if (field.names().size() > depth) {
        below.computeIfAbsent(field.names().get(depth), name -> new LinkedHashSet<>()).add(field);
      }
    }
    Map<String, FieldSelection> children = new HashMap<>();
    below.forEach(
        (name, deeper) ->
            children.put(
                name, node(deeper.iterator().next().prefix(depth + 1), depth + 1, deeper)));
    return new FieldSelection(path, path != null && fields.contains(path), children);
  }

  /** The selection inside field {@code name} of this one; null if nothing there is wanted. */
  public FieldSelection child(String name) {
    return children.get(name);
  }
}
