package dev.eventrouter.queues.adapter;

import java.time.Duration;

/**
 * How many jobs of one pair a request may carry: up to {@code maxEvents} jobs and {@code maxBytes}
 * of their payloads (a job larger than that goes alone). A batch that is not full waits until its
 * oldest job has been due for {@code maxWait}, for more to join it; zero sends what is due at once,
 * so that batches form only when jobs wait (under load, or after an outage).
 */
public record Batching(int maxEvents, long maxBytes, Duration maxWait) {

  /** One job per request. */
  public static final Batching NONE = new Batching(1, Long.MAX_VALUE, Duration.ZERO);

  public Batching {
    if (maxEvents < 1) {
      throw new IllegalArgumentException("batch max-events must be at least 1");
    }
    if (maxBytes < 1) {
      throw new IllegalArgumentException("batch max-bytes must be at least 1");
    }
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("batch max-wait must not be negative");
    }
  }

  public boolean batches() {
    return maxEvents > 1;
  }
}
