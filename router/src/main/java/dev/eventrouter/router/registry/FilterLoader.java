package dev.eventrouter.router.registry;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.eventrouter.router.filter.Condition;
import dev.eventrouter.router.filter.FieldPath;
import dev.eventrouter.router.filter.FieldValue;
import dev.eventrouter.router.filter.RouteFilter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a route's {@code filter} (the README, "Routes that choose what they carry") into a {@link
 * RouteFilter}, naming every mistake with its place, down to the condition.
 */
final class FilterLoader {

  private static final Set<String> FILTER_KEYS = Set.of("types", "events", "where");
  private static final Set<String> CONDITION_KEYS = Set.of("field", "equals", "in", "exists");
  private static final List<String> TESTS = List.of("equals", "in", "exists");

  private FilterLoader() {}

  /** The filter at {@code where}, or null if it has mistakes (each added to {@code errors}). */
  static RouteFilter read(String where, ConfigValue value, Mistakes errors) {
    if (value.valueType() != ConfigValueType.OBJECT || ((ConfigObject) value).isEmpty()) {
      errors.add(
          where
              + ": must be an object with types, events or where (leave it out to carry"
              + " every event)");
      return null;
    }
    ConfigObject filter = (ConfigObject) value;
    int mistakes = errors.size();
    new ObjectReader(where, filter, errors).refuseUnknownKeys("filter", FILTER_KEYS);
    List<Condition> conditions = new ArrayList<>();
    if (filter.containsKey("types")) {
      types(where + ".types", filter.get("types"), conditions, errors);
    }
    if (filter.containsKey("events")) {
      events(where + ".events", filter.get("events"), conditions, errors);
    }
    if (filter.containsKey("where")) {
      ConfigList list = nonEmptyList(where + ".where", filter.get("where"), errors);
      for (int i = 0; list != null && i < list.size(); i++) {
        condition(where + ".where[" + i + "]", list.get(i), conditions, errors);
      }
    }
    return errors.size() == mistakes ? new RouteFilter(conditions) : null;
  }

  private static void types(
      String where, ConfigValue value, List<Condition> conditions, Mistakes errors) {
    ConfigList list = nonEmptyList(where, value, errors);
    if (list == null) {
      return;
    }
    Set<FieldValue> types = new LinkedHashSet<>();
    for (int i = 0; i < list.size(); i++) {
      Object type = list.get(i).unwrapped();
      if (list.get(i).valueType() == ConfigValueType.STRING
          && RouteFilter.EVENT_TYPES.contains(type)) {
        types.add(new FieldValue.Text((String) type));
      } else {
        errors.add(
            where
                + "["
                + i
                + "]: unknown type '"
                + type
                + "': one of "
                + new TreeSet<>(RouteFilter.EVENT_TYPES));
      }
    }
    conditions.add(new Condition.OneOf(RouteFilter.TYPE, types));
  }

  /** Event names, each exact or, ending with {@code *}, a prefix. */
  private static void events(
      String where, ConfigValue value, List<Condition> conditions, Mistakes errors) {
    ConfigList list = nonEmptyList(where, value, errors);
    if (list == null) {
      return;
    }
    Set<String> names = new LinkedHashSet<>();
    List<String> prefixes = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String at = where + "[" + i + "]";
      if (list.get(i).valueType() != ConfigValueType.STRING
          || ((String) list.get(i).unwrapped()).isEmpty()) {
        errors.add(at + ": must be an event name, or a prefix ending with *");
        continue;
      }
      String name = (String) list.get(i).unwrapped();
      int star = name.indexOf('*');
      if (star < 0) {
        names.add(name);
      } else if (star == name.length() - 1) {
        prefixes.add(name.substring(0, star));
      } else {
        // a pattern language it does not have: refused rather than matched as a literal *
        errors.add(at + ": '" + name + "': * may only end a name (a prefix)");
      }
    }
    conditions.add(new Condition.NameMatch(RouteFilter.EVENT, names, prefixes));
  }

  /**
   * {@code { field = PATH, equals = VALUE }}, {@code in = [VALUE, ...]} or {@code exists =
   * BOOLEAN}.
   */
  private static void condition(
      String where, ConfigValue value, List<Condition> conditions, Mistakes errors) {
    if (value.valueType() != ConfigValueType.OBJECT) {
      errors.add(where + ": must be { field = PATH, and one of equals, in, exists }");
      return;
    }
    ConfigObject condition = (ConfigObject) value;
    int mistakes = errors.size();
    new ObjectReader(where, condition, errors).refuseUnknownKeys("condition", CONDITION_KEYS);
    FieldPath field = null;
    ConfigValue path = condition.get("field");
    if (path == null || path.valueType() != ConfigValueType.STRING) {
      errors.add(where + ".field: must be a field path, like properties.plan");
    } else {
      try {
        field = FieldPath.parse((String) path.unwrapped());
      } catch (IllegalArgumentException e) {
        errors.add(where + ".field: " + e.getMessage());
      }
    }
    List<String> tests = TESTS.stream().filter(condition::containsKey).toList();
    if (tests.size() != 1) {
      errors.add(
          where
              + ": needs exactly one of equals, in, exists; it has "
              + (tests.isEmpty() ? "none" : String.join(" and ", tests)));
    }
    if (errors.size() > mistakes) {
      return;
    }
    String test = tests.get(0);
    ConfigValue operand = condition.get(test);
    switch (test) {
      case "equals" -> {
        FieldValue equal = scalar(where + ".equals", operand, errors);
        if (equal != null) {
          conditions.add(new Condition.OneOf(field, Set.of(equal)));
        }
      }
      case "in" -> {
        ConfigList list = nonEmptyList(where + ".in", operand, errors);
        if (list != null) {
          Set<FieldValue> values = new LinkedHashSet<>();
          for (int i = 0; i < list.size(); i++) {
            values.add(scalar(where + ".in[" + i + "]", list.get(i), errors));
          }
          if (errors.size() == mistakes) {
            conditions.add(new Condition.OneOf(field, values));
          }
        }
      }
      default -> {
        if (operand.valueType() == ConfigValueType.BOOLEAN) {
          conditions.add(new Condition.Exists(field, (Boolean) operand.unwrapped()));
        } else {
          errors.add(where + ".exists: must be true or false");
        }
      }
    }
  }

  /** A text, a number or a boolean, as the event's JSON would hold it; null if it is none. */
  private static FieldValue scalar(String where, ConfigValue value, Mistakes errors) {
    Object unwrapped = value.unwrapped();
    if (unwrapped instanceof String text) {
      return new FieldValue.Text(text);
    }
    if (unwrapped instanceof Boolean bool) {
      return new FieldValue.Bool(bool);
    }
    if (unwrapped instanceof Double number && Double.isFinite(number)) {
      return new FieldValue.Numeric(BigDecimal.valueOf(number));
    }
    if (unwrapped instanceof Integer || unwrapped instanceof Long) {
      return new FieldValue.Numeric(BigDecimal.valueOf(((Number) unwrapped).longValue()));
    }
    errors.add(where + ": must be a text, a number, true or false (for null: exists = false)");
    return null;
  }

  private static ConfigList nonEmptyList(String where, ConfigValue value, Mistakes errors) {
    if (value.valueType() != ConfigValueType.LIST || ((ConfigList) value).isEmpty()) {
      errors.add(where + ": must be a non-empty list");
      return null;
    }
    return (ConfigList) value;
  }
}
