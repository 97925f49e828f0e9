package dev.eventrouter.router.testing;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads one sample from a Prometheus text exposition. */
public final class Metrics {

  private Metrics() {}

  /** The value of the sample {@code series} (name with its labels, as exposed), or 0 if absent. */
  public static double value(String exposition, String series) {
    Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE)
        .matcher(exposition);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }
}
