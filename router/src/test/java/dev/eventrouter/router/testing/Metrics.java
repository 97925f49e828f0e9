package dev.eventrouter.router.testing;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads one sample from a Prometheus text exposition. */
public final class Metrics {

  private Metrics() {}

  /** The value of the sample {@code series} (name with its labels, as exposed), or 0 if absent. */
  public static double value(String exposition, String series) {
    Matcher m =
        Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE)
            .matcher(exposition);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  /** The samples of a metric with one label, by that label's value. */
  public static Map<String, Double> byLabel(String exposition, String name, String label) {
    Matcher m =
        Pattern.compile(
                "^"
                    + Pattern.quote(name)
                    + "\\{"
                    + Pattern.quote(label)
                    + "=\"([^\"]*)\"\\} (\\S+)$",
                Pattern.MULTILINE)
            .matcher(exposition);
    Map<String, Double> samples = new TreeMap<>();
    while (m.find()) {
      samples.put(m.group(1), Double.parseDouble(m.group(2)));
    }
    return samples;
  }
}
