package dev.eventrouter.queues.rate;

/**
 * The rate a pair may send at, adapted to its destination's 429s: additive increase, multiplicative
 * decrease. A 429 halves the rate (for a pair with no configured rate, half of what it sent in the
 * last second); each full second without a 429 gives back a tenth of the ceiling, until the rate is
 * at its ceiling again: the configured rate, or, for a pair without one, the rate it was throttled
 * at, where the limit is lifted.
 *
 * <p>Pure arithmetic over a clock the caller passes in, so it reads as a scenario in tests.
 */
public final class AdaptiveRate {

  /** No limit: the pair sends as fast as its in-flight limit allows. */
  public static final int UNLIMITED = 0;

  private static final long SECOND = 1_000_000_000L;

  private final int configured;
  private int limit;
  private int ceiling;
  private long lastChangeNanos;

  public AdaptiveRate(int configured) {
    this.configured = configured;
    this.limit = configured;
    this.ceiling = configured;
  }

  public int configured() {
    return configured;
  }

  /** The current limit in requests per second, or {@link #UNLIMITED}. */
  public int limit() {
    return limit;
  }

  /** A 429 came back; {@code sentLastSecond} is what the pair sent in the last second. */
  public void throttled(long nowNanos, int sentLastSecond) {
    int current = limit == UNLIMITED ? Math.max(1, sentLastSecond) : limit;
    if (ceiling == UNLIMITED) {
      ceiling = current;
    }
    limit = Math.max(1, current / 2);
    lastChangeNanos = nowNanos;
  }

  /** Called as the pair sends; gives back part of the rate for each full second without a 429. */
  public void tick(long nowNanos) {
    if (limit == UNLIMITED || limit == configured && configured != UNLIMITED) {
      return;
    }
    long seconds = (nowNanos - lastChangeNanos) / SECOND;
    if (seconds <= 0) {
      return;
    }
    long raised = limit + seconds * Math.max(1, ceiling / 10);
    lastChangeNanos += seconds * SECOND;
    if (raised >= ceiling) {
      limit = configured;
      ceiling = configured;
    } else {
      limit = (int) raised;
    }
  }
}
