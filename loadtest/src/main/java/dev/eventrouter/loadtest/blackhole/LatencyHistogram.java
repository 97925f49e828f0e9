package dev.eventrouter.loadtest.blackhole;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies in buckets that grow by 8 %, from 1 ms to about 19 hours, so a quantile is read with
 * at most 8 % error at any scale. Recorded from many threads without a lock; a reader takes a
 * snapshot and subtracts an earlier one to see one interval.
 */
public final class LatencyHistogram {

  private static final double GROWTH = 1.08;
  private static final double LOG_GROWTH = Math.log(GROWTH);
  public static final int BUCKETS = 256;

  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

  public void recordMillis(long millis) {
    counts.incrementAndGet(bucket(millis));
  }

  public long[] snapshot() {
    long[] copy = new long[BUCKETS];
    for (int i = 0; i < BUCKETS; i++) {
      copy[i] = counts.get(i);
    }
    return copy;
  }

  /** Bucket 0 holds 0 and 1 ms; bucket i holds (GROWTH^(i-1), GROWTH^i] ms. */
  static int bucket(long millis) {
    if (millis <= 1) {
      return 0;
    }
    return (int) Math.min(BUCKETS - 1, Math.ceil(Math.log(millis) / LOG_GROWTH));
  }

  /** The upper bound of the bucket that holds the q-quantile, in ms; 0 when empty. */
  public static double quantileMillis(long[] counts, double q) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= Math.max(1, rank)) {
        return i == 0 ? 1 : Math.pow(GROWTH, i);
      }
    }
    return Math.pow(GROWTH, counts.length - 1);
  }

  public static long[] minus(long[] later, long[] earlier) {
    long[] difference = new long[later.length];
    for (int i = 0; i < later.length; i++) {
      difference[i] = later[i] - earlier[i];
    }
    return difference;
  }

  public static long total(long[] counts) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    return total;
  }
}
