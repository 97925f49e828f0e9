package dev.eventrouter.loadtest.blackhole;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One destination's first-delivery latencies, in milliseconds, in an HdrHistogram of 3 significant
 * digits: every value up to 2,048 ms is its own, above that a percentile is within 0.1 %, and the
 * range grows as far as the latencies go. Recorded from every event loop at once without a lock (a
 * {@link Recorder}'s writes are wait-free); read as cumulative snapshots, of which a reader
 * subtracts an earlier one to see one interval.
 *
 * <p>Values are recorded as they are, not with {@code recordValueWithExpectedInterval}: that
 * correction for coordinated omission is for a requester that waits for each answer before it sends
 * the next, so that a stall hides the requests it would have sent. Here nothing waits for a
 * delivery: events are produced on a schedule, each stamped with the time it was due
 * (EventProducer), so a stall anywhere, the producer's own included, shows in the latency of every
 * event it held up.
 */
public final class LatencyRecorder {

  /** The precision of every latency histogram, so that they add up exactly. */
  public static final int SIGNIFICANT_DIGITS = 3;

  private final Recorder recorder = new Recorder(SIGNIFICANT_DIGITS);
  private final Histogram cumulative = new Histogram(SIGNIFICANT_DIGITS);
  private Histogram interval;

  void recordMillis(long millis) {
    recorder.recordValue(millis);
  }

  /** Every latency recorded so far: a copy, the caller's own. */
  synchronized Histogram snapshot() {
    interval = recorder.getIntervalHistogram(interval);
    cumulative.add(interval);
    return cumulative.copy();
  }
}
