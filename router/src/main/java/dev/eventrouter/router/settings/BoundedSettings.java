package dev.eventrouter.router.settings;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * A section of the configuration read with bounds. A value out of them stops the start, naming the
 * setting in full and its value as given, instead of being taken and failing later at run time (a
 * stream's stage refusing it, the node up and doing nothing).
 */
public final class BoundedSettings {

  private final Config section;
  private final String path;

  /**
   * @param path the section, as {@code eventrouter.ingest}
   */
  public BoundedSettings(Config config, String path) {
    this.section = config.getConfig(path);
    this.path = path;
  }

  public int positiveInt(String key) {
    int value = section.getInt(key);
    requirePositive(key, value > 0);
    return value;
  }

  public long positiveBytes(String key) {
    long value = section.getBytes(key);
    requirePositive(key, value > 0);
    return value;
  }

  public Duration positiveDuration(String key) {
    Duration value = section.getDuration(key);
    requirePositive(key, !value.isNegative() && !value.isZero());
    return value;
  }

  public int intAtLeast(String key, int least) {
    int value = section.getInt(key);
    if (value < least) {
      throw new IllegalArgumentException(
          path + "." + key + " must be at least " + least + ", not " + value);
    }
    return value;
  }

  /** A positive duration no shorter than the section's {@code lower}. */
  public Duration durationAtLeast(String key, String lower) {
    Duration value = positiveDuration(key);
    if (value.compareTo(section.getDuration(lower)) < 0) {
      throw new IllegalArgumentException(
          path + "." + key + " must be at least " + lower + ", not " + given(key));
    }
    return value;
  }

  private void requirePositive(String key, boolean positive) {
    if (!positive) {
      throw new IllegalArgumentException(
          path + "." + key + " must be more than 0, not " + given(key));
    }
  }

  private String given(String key) {
    return section.getValue(key).render();
  }
}
