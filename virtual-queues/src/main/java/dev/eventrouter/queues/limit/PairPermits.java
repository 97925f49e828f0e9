package dev.eventrouter.queues.limit;

import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.delivery.DeliveryOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One queue's side of its destination's {@link DestinationLimit}: a permit per request sent, given
 * back exactly once, by its answer ({@link #answered}), by {@link #notSent}, or by {@link #stopped}
 * for those unanswered when the queue stops.
 *
 * <p>Used by the queue in passes ({@link #passStarts}, {@link #passEnds}). A pass refused a permit
 * leaves the pair in the limit's line: permits that free are then handed to it, and it is woken
 * once for all those handed before its next pass takes them. Without the hand-over, a freed permit
 * woke a waiter to race for it with every other queue: on a drain of many pairs sharing one
 * destination, most passes were refused, three for every request sent.
 */
public final class PairPermits {

  private final DestinationLimit limit;
  private final PairId pair;
  private final Runnable wake;

  /**
   * Permits the limit handed to this pair and its queue has not taken yet: handed on the threads of
   * the queues whose answers freed them (under the limit's lock), taken on this queue's.
   */
  private final AtomicInteger handed = new AtomicInteger();

  /** The current pass was refused a permit: the pair waits in line. Only the queue's thread. */
  private boolean refused;

  /**
   * The pair may be in the limit's line: refused since it last left it. Only the queue's thread.
   */
  private boolean lined;

  /** How soon, when refused, the queue asks again if it is not woken. Only the queue's thread. */
  private long recheckNanos;

  /**
   * @param wake run (on another thread) when permits were handed to the pair after it was refused
   */
  public PairPermits(DestinationLimit limit, PairId pair, Runnable wake) {
    this.limit = limit;
    this.pair = pair;
    this.wake = wake;
  }

  PairId pair() {
    return pair;
  }

  public void passStarts() {
    refused = false;
  }

  /** A permit for one request: one handed to the pair, else one free that is its to take. */
  public boolean tryAcquire() {
    if (handed.get() > 0) {
      handed.decrementAndGet();
      return true;
    }
    boolean acquired = limit.tryAcquire(this);
    refused = !acquired;
    lined = refused;
    return acquired;
  }

  /**
   * How soon the queue, refused a permit, asks again if it is not woken before: the longer the
   * destination's line, the longer.
   */
  public Duration recheckAfter() {
    return Duration.ofNanos(recheckNanos);
  }

  /** Under the limit's lock, on the queue's thread: the pair was refused. */
  void recheckAfter(long nanos) {
    recheckNanos = nanos;
  }

  /**
   * Whether the last pass was refused a permit: the pair is woken when one is handed to it, and a
   * pass before that would be refused again.
   */
  public boolean waiting() {
    return refused;
  }

  /**
   * A pass that was not refused wants no more for now: the pair leaves the line and gives back what
   * it was handed and did not use.
   */
  public void passEnds() {
    if (!refused) {
      leaveLine();
    }
  }

  /**
   * The queue sends nothing more (it is stopping, waiting for its answers): permits handed to it
   * meanwhile would be held from the other pairs until it stops.
   */
  public void leaveLine() {
    if (lined || handed.get() > 0) {
      limit.leaveLine(this);
      lined = false;
    }
    refused = false;
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
    limit.leave(this);
  }

  /** Under the limit's lock: more permits handed; whether the pair must be woken for them. */
  boolean hand(int permits) {
    return handed.getAndAdd(permits) == 0;
  }

  /** Under the limit's lock: the permits handed and not taken, now given back. */
  int takeHanded() {
    return handed.getAndSet(0);
  }

  void wake() {
    wake.run();
  }

  private static long nanos(Instant at) {
    return at.getEpochSecond() * 1_000_000_000L + at.getNano();
  }
}
