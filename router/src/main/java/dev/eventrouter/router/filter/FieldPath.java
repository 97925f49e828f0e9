package dev.eventrouter.router.filter;

import java.util.List;

/**
 * Where a field is in an event's JSON object: the names from the top, written dot-separated ({@code
 * properties.plan}). A name holding a dot cannot be reached.
 */
public record FieldPath(List<String> names) {

  public FieldPath {
    names = List.copyOf(names);
    if (names.isEmpty() || names.stream().anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException(
          "field path '"
              + String.join(".", names)
              + "': a field path is names separated by single dots, like properties.plan");
    }
  }

  /**
   * @throws IllegalArgumentException saying what is wrong with it
   */
  public static FieldPath parse(String text) {
    // -1: keep the empty names of a leading or trailing dot, which the constructor refuses
    return new FieldPath(List.of(text.split("\\.", -1)));
  }

  /** The path of the field holding this one at {@code depth} names from the top. */
  FieldPath prefix(int depth) {
    return new FieldPath(names.subList(0, depth));
  }

  @Override
  public String toString() {
    return String.join(".", names);
  }
}
