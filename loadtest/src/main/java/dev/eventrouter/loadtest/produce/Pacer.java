package dev.eventrouter.loadtest.produce;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Holds a sender to a rate: event i is due at start + i / rate. Only when a millisecond or more
 * ahead does it park, so events leave in bursts of about a millisecond's worth instead of one park
 * each (a park costs more than a send at high rates). Behind schedule it never waits: a stall is
 * caught up at full speed, as Kafka's own ThroughputThrottler does; each event still knows when it
 * was due.
 */
final class Pacer {

  static final long MIN_PARK_NANOS = 1_000_000L;

  private final double nanosPerEvent;
  private final LongSupplier nanoClock;
  private final LongConsumer parkNanos;
  private long start;
  private long issued;

  /**
   * @param ratePerSecond events per second; 0 or less means no limit
   */
  Pacer(double ratePerSecond, LongSupplier nanoClock, LongConsumer parkNanos) {
    this.nanosPerEvent = ratePerSecond > 0 ? 1e9 / ratePerSecond : 0;
    this.nanoClock = nanoClock;
    this.parkNanos = parkNanos;
  }

  static Pacer atRate(double ratePerSecond) {
    return new Pacer(ratePerSecond, System::nanoTime, LockSupport::parkNanos);
  }

  /**
   * Returns when the next event may go.
   *
   * @return when it was due, on the pacer's clock: in the past after a stall; now without a rate
   */
  long await() {
    long now = nanoClock.getAsLong();
    if (nanosPerEvent == 0) {
      return now;
    }
    if (issued == 0) {
      start = now;
    }
    long due = start + (long) (issued++ * nanosPerEvent);
    // a park may return early; an interrupted thread returns at once, and must not spin here
    while (due - now >= MIN_PARK_NANOS && !Thread.currentThread().isInterrupted()) {
      parkNanos.accept(due - now);
      now = nanoClock.getAsLong();
    }
    return due;
  }
}
