package dev.eventrouter.router.filter;

import java.util.Map;
import java.util.Optional;

/** The fields of one event that its source's filters read, with their values in the event. */
public record EventFields(Map<FieldPath, FieldValue> values) {

  /** What an event whose routes read nothing has. */
  public static final EventFields NONE = new EventFields(Map.of());

  public EventFields {
    values = Map.copyOf(values);
  }

  /** Empty when the event lacks the field or holds null there. */
  public Optional<FieldValue> get(FieldPath field) {
    return Optional.ofNullable(values.get(field));
  }
}
