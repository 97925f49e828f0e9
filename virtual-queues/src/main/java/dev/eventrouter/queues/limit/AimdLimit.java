package dev.eventrouter.queues.limit;

/**
 * How many requests a destination may have under way, after what its answers say: additive
 * increase, multiplicative decrease, as TCP's congestion window. A failed answer, or a healthy one
 * whose latency rose above {@code latency-tolerance} times the baseline (plus {@code
 * latency-slack}), multiplies the limit by {@code backoff-ratio}, at most once per round trip: an
 * answer to a request sent before the last cut does not cut again, since that request went out
 * under the old limit. Until its first cut the limit grows by one per healthy answer (slow start,
 * doubling each round trip); from then on by one per round trip (1/limit per answer). It grows only
 * while at least half of it is in use: a limit nobody reaches says nothing of the destination.
 *
 * <p>The baseline is a moving average of healthy answers' latencies over about {@code
 * baseline-samples} answers: a latency that stays high becomes the new normal, and the limit grows
 * again there.
 *
 * <p>Pure arithmetic over times the caller passes in (nanoseconds on one clock); not thread-safe.
 */
final class AimdLimit {

  private final ConcurrencyLimitSettings settings;
  private double limit;
  private boolean slowStart = true;
  private long lastCutNanos = Long.MIN_VALUE;

  /** 0 until the first healthy answer. */
  private double baselineNanos;

  AimdLimit(ConcurrencyLimitSettings settings) {
    this.settings = settings;
    this.limit = settings.initial();
  }

  int limit() {
    return (int) limit;
  }

  /**
   * An answer came.
   *
   * @param sentNanos when its request was sent
   * @param answeredNanos when the answer came
   * @param failed whether it counts against the destination (no answer, 5xx, 408)
   * @param inUse requests under way when it came, itself included
   */
  void answered(long sentNanos, long answeredNanos, boolean failed, int inUse) {
    long latency = answeredNanos - sentNanos;
    boolean slow =
        !failed
            && baselineNanos > 0
            && latency
                > baselineNanos * settings.latencyTolerance() + settings.latencySlack().toNanos();
    if (!failed) {
      baselineNanos =
          baselineNanos == 0
              ? latency
              : baselineNanos + (latency - baselineNanos) / settings.baselineSamples();
    }
    if (failed || slow) {
      if (sentNanos >= lastCutNanos) {
        limit = Math.max(settings.min(), limit * settings.backoffRatio());
        lastCutNanos = answeredNanos;
        slowStart = false;
      }
    } else if (inUse * 2 >= limit) {
      limit = Math.min(settings.max(), limit + (slowStart ? 1 : 1 / limit));
    }
  }
}
