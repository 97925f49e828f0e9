package dev.eventrouter.queues.destination;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When to attempt a failed job again: exponential backoff with "equal jitter". The n-th retry waits
 * {@code d = min(cap, base * 2^(n-1))} halved, plus a random part of the other half, so retries of
 * jobs that failed together spread out but none comes back at once (full jitter can draw a delay of
 * zero, which hammers a destination that has just failed).
 *
 * <p>A {@code Retry-After} from the destination wins, in full: the destination knows best.
 */
public record RetryPolicy(Duration base, Duration cap) {

  public RetryPolicy {
    if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
      throw new IllegalArgumentException(
          "retry base must be > 0 and cap >= base, got " + base + ", " + cap);
    }
  }

  /**
   * @param attempt the attempt that just failed, 1 for the first
   * @param retryAfter what the destination asked for, if anything
   */
  public Instant retryAt(
      int attempt, Instant now, Optional<Duration> retryAfter, RandomGenerator random) {
    if (retryAfter.isPresent()) {
      return now.plus(retryAfter.get());
    }
    return now.plus(delay(attempt, random));
  }

  /** The wait before the retry of the given failed attempt (1 for the first). */
  public Duration delay(int attempt, RandomGenerator random) {
    int doublings = Math.min(Math.max(attempt - 1, 0), 40);
    long exponential = base.toMillis() * (1L << Math.min(doublings, 30));
    long delay = doublings >= 30 ? cap.toMillis() : Math.min(cap.toMillis(), exponential);
    long half = delay / 2;
    return Duration.ofMillis(half + random.nextLong(delay - half + 1));
  }
}
