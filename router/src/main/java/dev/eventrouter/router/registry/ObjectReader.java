package dev.eventrouter.router.registry;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * One object of a registry (the registry itself, a source, a route, a destination or one of its
 * sections) read key by key. A key it does not know, or a value missing or of another type than its
 * key's, is a mistake added to the errors, named by the key's path and what the key allows, and
 * read as null. Never a {@link ConfigException} out of the loader: the admin API answers that as
 * its own failure (503), not as the sender's mistake (400).
 */
final class ObjectReader {

  private final String where;
  private final ConfigObject own;
  private final Config ownConfig;
  private final Config config;
  private final String defaultsWhere;
  private final Mistakes errors;

  /**
   * @param where the object's path; empty for the registry itself
   */
  ObjectReader(String where, ConfigObject own, Mistakes errors) {
    this(where, own, own.toConfig(), null, errors);
  }

  private ObjectReader(
      String where, ConfigObject own, Config config, String defaultsWhere, Mistakes errors) {
    this.where = where;
    this.own = own;
    this.ownConfig = own.toConfig();
    this.config = config;
    this.defaultsWhere = defaultsWhere;
    this.errors = errors;
  }

  /**
   * The same object, what it leaves out read from {@code defaults}: a mistake in a default is named
   * with the default's path, {@code defaultsWhere}, where it has to be fixed.
   */
  ObjectReader withDefaults(Config defaults, String defaultsWhere) {
    return new ObjectReader(where, own, ownConfig.withFallback(defaults), defaultsWhere, errors);
  }

  /**
   * A mistake for each key of the object itself (not of its defaults) that is not {@code known},
   * listing the known ones: a misspelt key would otherwise be left out without a word.
   *
   * @param what the object, as the mistake names it: {@code route} gives "a route has [...]"
   */
  void refuseUnknownKeys(String what, Set<String> known) {
    own.keySet().stream()
        .filter(key -> !known.contains(key))
        .sorted()
        .forEach(
            key ->
                errors.addFromNewCheck(
                    join(where, key)
                        + ": unknown key; a "
                        + what
                        + " has "
                        + new TreeSet<>(known)));
  }

  /**
   * The object the object itself holds at {@code key} (its defaults aside): null if it has none,
   * or, with the mistake added, if the value is not an object.
   */
  ObjectReader child(String key) {
    ConfigValue value = own.get(key);
    if (value == null) {
      return null;
    }
    if (value.valueType() != ConfigValueType.OBJECT) {
      errors.add(join(where, key) + ": must be an object");
      return null;
    }
    return new ObjectReader(join(where, key), (ConfigObject) value, errors);
  }

  /** A mistake of the object as a whole. */
  void mistake(String message) {
    errors.add(where + ": " + message);
  }

  boolean has(String key) {
    return config.hasPath(key);
  }

  String text(String key) {
    return read(key, "text", Config::getString);
  }

  Boolean bool(String key) {
    return read(key, "true or false", Config::getBoolean);
  }

  Integer wholeNumber(String key) {
    return read(key, "a whole number", Config::getInt);
  }

  /**
   * A whole number from {@code least} to {@code most}. The bounds are newer than the keys: out of
   * them in a stored registry, the nearest bound is taken.
   */
  Integer wholeNumber(String key, int least, int most) {
    Integer value = wholeNumber(key);
    if (value != null && (value < least || value > most)) {
      int nearest = Math.max(least, Math.min(most, value));
      errors.addFromNewCheck(
          path(key)
              + ": must be "
              + least
              + " to "
              + most
              + ", not "
              + value
              + " ("
              + nearest
              + " taken)");
      return nearest;
    }
    return value;
  }

  Double number(String key) {
    return read(key, "a number", Config::getDouble);
  }

  Long bytes(String key) {
    return read(key, "a size, like 512k or 1m", Config::getBytes);
  }

  Duration duration(String key) {
    return read(key, "a duration, like 10s", Config::getDuration);
  }

  List<String> texts(String key) {
    return read(key, "a list of texts", Config::getStringList);
  }

  ConfigObject object(String key) {
    return read(key, "an object", Config::getObject);
  }

  /** Where the value of {@code key} is: in the object, or else in its defaults. */
  String path(String key) {
    return defaultsWhere == null || ownConfig.hasPath(key)
        ? join(where, key)
        : defaultsWhere + "." + key;
  }

  /** The value, or null with the mistake added; never the value in the mistake: it may be a key. */
  private <T> T read(String key, String expected, BiFunction<Config, String, T> get) {
    try {
      return get.apply(config, key);
    } catch (ConfigException.Missing e) {
      // missing from the defaults too: it is the object's to give
      errors.add(join(where, key) + ": required");
    } catch (ConfigException e) {
      errors.add(path(key) + ": must be " + expected);
    }
    return null;
  }

  private static String join(String where, String key) {
    return where.isEmpty() ? key : where + "." + key;
  }
}
