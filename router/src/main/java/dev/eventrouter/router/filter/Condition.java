package dev.eventrouter.router.filter;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** One condition of a route's filter, on one field of the event. */
public sealed interface Condition {

  FieldPath field();

  /**
   * @param value the field's value in the event; empty when it lacks the field or holds null
   */
  boolean holds(Optional<FieldValue> value);

  /**
   * The field holds one of these values: {@code in}, {@code equals} (one of one), {@code types}.
   */
  record OneOf(FieldPath field, Set<FieldValue> values) implements Condition {

    public OneOf {
      values = Set.copyOf(values);
    }

    @Override
    public boolean holds(Optional<FieldValue> value) {
      return value.isPresent() && values.contains(value.get());
    }
  }

  /** The field is in the event (and not null), or is not: {@code exists}. */
  record Exists(FieldPath field, boolean present) implements Condition {

    @Override
    public boolean holds(Optional<FieldValue> value) {
      return value.isPresent() == present;
    }
  }

  /**
   * The field is a text equal to one of the names or starting with one of the prefixes: {@code
   * events}.
   */
  record NameMatch(FieldPath field, Set<String> names, List<String> prefixes) implements Condition {

    public NameMatch {
      names = Set.copyOf(names);
      prefixes = List.copyOf(prefixes);
    }

    @Override
    public boolean holds(Optional<FieldValue> value) {
      if (value.isEmpty() || !(value.get() instanceof FieldValue.Text text)) {
        return false;
      }
      return names.contains(text.text()) || prefixes.stream().anyMatch(text.text()::startsWith);
    }
  }
}
