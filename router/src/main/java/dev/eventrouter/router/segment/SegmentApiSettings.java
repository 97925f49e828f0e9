package dev.eventrouter.router.segment;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** {@code eventrouter.segment-api}; reference.conf documents each. */
public record SegmentApiSettings(
    boolean enabled,
    String host,
    int port,
    int maxEventBytes,
    int maxBatchBytes,
    Duration produceTimeout,
    Duration retryAfter,
    int ratePerWriteKey,
    int rateBurst,
    Duration writeKeyRefresh,
    List<String> corsAllowOrigins) {

  public SegmentApiSettings {
    if (maxEventBytes <= 0 || maxBatchBytes < maxEventBytes) {
      throw new IllegalArgumentException(
          "eventrouter.segment-api: max-event-bytes must be positive and "
              + "at most max-batch-bytes");
    }
    if (ratePerWriteKey < 0 || rateBurst < 1) {
      throw new IllegalArgumentException(
          "eventrouter.segment-api: rate-per-write-key must be 0 (no "
              + "limit) or more, rate-burst 1 or more");
    }
    corsAllowOrigins = List.copyOf(corsAllowOrigins);
  }

  public static SegmentApiSettings fromConfig(Config config) {
    Config c = config.getConfig("eventrouter.segment-api");
    return new SegmentApiSettings(
        c.getBoolean("enabled"),
        c.getString("host"),
        c.getInt("port"),
        Math.toIntExact(c.getBytes("max-event-bytes")),
        Math.toIntExact(c.getBytes("max-batch-bytes")),
        c.getDuration("produce-timeout"),
        c.getDuration("retry-after"),
        c.getInt("rate-per-write-key"),
        c.getInt("rate-burst"),
        c.getDuration("write-key-refresh"),
        Arrays.stream(c.getString("cors-allow-origins").split(","))
            .map(String::strip)
            .filter(origin -> !origin.isEmpty())
            .toList());
  }
}
