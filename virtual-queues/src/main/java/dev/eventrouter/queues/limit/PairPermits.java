package dev.eventrouter.queues.limit;

import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.delivery.DeliveryOutcome;
import java.time.Instant;

/**
 * One queue's side of its destination's {@link DestinationLimit}: a permit per request sent, given
 * back exactly once, by its answer ({@link #answered}), by {@link #notSent}, or by {@link #stopped}
 * for those unanswered when the queue stops.
 */
public final class PairPermits {

  private final DestinationLimit limit;
  private final PairId pair;
  private final Runnable wake;

  /**
   * @param wake run (on another thread) when a permit frees for the pair after it was refused
   */
  public PairPermits(DestinationLimit limit, PairId pair, Runnable wake) {
    this.limit = limit;
    this.pair = pair;
    this.wake = wake;
  }

  public boolean tryAcquire() {
    return limit.tryAcquire(pair, wake);
  }

  /** A permit taken for a request that did not leave. */
  public void notSent() {
    limit.release(pair, 1);
  }

  /**
   * The answer to a request: what it tells of the destination moves the limit; a 429 (this tenant's
   * rate, which the pair's rate follows) and a request never made tell nothing.
   */
  public void answered(DeliveryOutcome outcome) {
    switch (outcome.signal()) {
      case HEALTHY, FAILING ->
          limit.answered(
              pair,
              nanos(outcome.startedAt()),
              nanos(outcome.finishedAt()),
              outcome.signal() == DeliveryOutcome.Signal.FAILING);
      case THROTTLED, NOT_SENT -> limit.release(pair, 1);
    }
  }

  /** The queue stops: the permits of its requests still unanswered are given back. */
  public void stopped() {
    limit.leave(pair);
  }

  private static long nanos(Instant at) {
    return at.getEpochSecond() * 1_000_000_000L + at.getNano();
  }
}
