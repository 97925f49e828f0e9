package dev.eventrouter.router.segment;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A token bucket per write key: {@code rate} requests a second, {@code burst} at once. */
final class RateLimits {

  private final double perNano;
  private final int burst;
  private final Map<WriteKeys.Key, Bucket> buckets = new ConcurrentHashMap<>();

  /**
   * @param rate requests a second; 0 = no limit
   */
  RateLimits(int rate, int burst) {
    this.perNano = rate / 1e9;
    this.burst = burst;
  }

  /** Empty when the request may go, else how long until it would. */
  Optional<Duration> take(WriteKeys.Key key, long nowNanos) {
    if (perNano == 0) {
      return Optional.empty();
    }
    return buckets.computeIfAbsent(key, k -> new Bucket(burst, nowNanos)).take(nowNanos);
  }

  private final class Bucket {
    private double tokens;
    private long at;

    Bucket(double tokens, long at) {
      this.tokens = tokens;
      this.at = at;
    }

    synchronized Optional<Duration> take(long now) {
      tokens = Math.min(burst, tokens + Math.max(0, now - at) * perNano);
      at = Math.max(at, now);
      if (tokens >= 1) {
        tokens -= 1;
        return Optional.empty();
      }
      return Optional.of(Duration.ofNanos((long) Math.ceil((1 - tokens) / perNano)));
    }
  }
}
