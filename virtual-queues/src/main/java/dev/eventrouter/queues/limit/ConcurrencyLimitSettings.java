package dev.eventrouter.queues.limit;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The settings under {@code eventrouter.virtual-queue.concurrency-limit}; reference.conf documents
 * each.
 */
public record ConcurrencyLimitSettings(
    int initial,
    int min,
    int max,
    double backoffRatio,
    double latencyTolerance,
    Duration latencySlack,
    int baselineSamples,
    int handedRun) {

  private static final String PATH = "eventrouter.virtual-queue.concurrency-limit";

  public ConcurrencyLimitSettings {
    if (min < 1 || max < min || initial < min || initial > max) {
      throw new IllegalArgumentException(
          PATH + ": min must be at least 1 and min <= initial <= max");
    }
    if (backoffRatio <= 0 || backoffRatio >= 1) {
      throw new IllegalArgumentException(PATH + ".backoff-ratio must be in (0, 1)");
    }
    if (latencyTolerance <= 1) {
      throw new IllegalArgumentException(PATH + ".latency-tolerance must be above 1");
    }
    if (latencySlack.isNegative() || baselineSamples < 1) {
      throw new IllegalArgumentException(
          PATH + ": latency-slack must not be negative, baseline-samples at least 1");
    }
    if (handedRun < 1) {
      throw new IllegalArgumentException(PATH + ".handed-run must be at least 1");
    }
  }

  public static ConcurrencyLimitSettings fromConfig(Config config) {
    Config c = config.getConfig(PATH);
    return new ConcurrencyLimitSettings(
        c.getInt("initial"),
        c.getInt("min"),
        c.getInt("max"),
        c.getDouble("backoff-ratio"),
        c.getDouble("latency-tolerance"),
        c.getDuration("latency-slack"),
        c.getInt("baseline-samples"),
        c.getInt("handed-run"));
  }
}
