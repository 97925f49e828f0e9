package dev.eventrouter.queues.rate;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.time.Duration;

/**
 * The send permits of one pair: Resilience4j's rate limiter at the {@link AdaptiveRate}'s current
 * limit. Permits refresh every 100 ms (a tenth of the rate each time) so that a pair sends smoothly
 * rather than in one burst per second. Owned by one queue actor: not thread-safe.
 */
public final class PairRate {

  private static final long SECOND = 1_000_000_000L;

  private final String name;
  private AdaptiveRate rate;
  private RateLimiter limiter;
  private int limiterRate = AdaptiveRate.UNLIMITED;
  private long windowStartNanos = System.nanoTime();
  private int sentInWindow;
  private int sentLastWindow;

  public PairRate(String name, int configured) {
    this.name = name;
    this.rate = new AdaptiveRate(configured);
  }

  /** Follows a changed configuration (starting over from it); no-op when unchanged. */
  public void configure(int configured) {
    if (configured != rate.configured()) {
      rate = new AdaptiveRate(configured);
    }
  }

  /** Takes a permit to send one request now, if there is one. */
  public boolean tryAcquire() {
    long now = System.nanoTime();
    rate.tick(now);
    follow(rate.limit());
    if (limiter != null && !limiter.acquirePermission()) {
      return false;
    }
    if (now - windowStartNanos >= SECOND) {
      sentLastWindow = now - windowStartNanos < 2 * SECOND ? sentInWindow : 0;
      sentInWindow = 0;
      windowStartNanos = now;
    }
    sentInWindow++;
    return true;
  }

  /** How long until the next permit; 0 when unlimited. */
  public Duration untilNextPermit() {
    if (limiter == null) {
      return Duration.ZERO;
    }
    long nanos = ((AtomicRateLimiter) limiter).getDetailedMetrics().getNanosToWait();
    return Duration.ofNanos(Math.max(nanos, 1_000_000));
  }

  /** The destination answered 429 for this pair. */
  public void throttled() {
    rate.throttled(System.nanoTime(), Math.max(sentInWindow, sentLastWindow));
    follow(rate.limit());
  }

  /** The current limit in requests per second, or {@link AdaptiveRate#UNLIMITED}. */
  public int limit() {
    rate.tick(System.nanoTime());
    return rate.limit();
  }

  private void follow(int limit) {
    if (limit == limiterRate) {
      return;
    }
    limiterRate = limit;
    if (limit == AdaptiveRate.UNLIMITED) {
      limiter = null;
      return;
    }
    // below 10/s one permit per 1/limit s; from 10/s a tenth of the rate every 100 ms
    RateLimiterConfig config =
        limit < 10
            ? RateLimiterConfig.custom()
                .limitForPeriod(1)
                .limitRefreshPeriod(Duration.ofNanos(SECOND / limit))
                .timeoutDuration(Duration.ZERO)
                .build()
            : RateLimiterConfig.custom()
                .limitForPeriod(limit / 10)
                .limitRefreshPeriod(Duration.ofMillis(100))
                .timeoutDuration(Duration.ZERO)
                .build();
    limiter = RateLimiter.of(name, config);
  }
}
