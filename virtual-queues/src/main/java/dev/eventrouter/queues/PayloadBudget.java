package dev.eventrouter.queues;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The payload bytes all virtual queues of a node may keep in memory together. A queue keeps a new
 * job's payload only while both its own bound and this one allow; past them, the payload is read
 * back from the journal when the job comes due. Thread-safe: shared by every queue.
 */
public final class PayloadBudget {

  private final AtomicLong available;

  public PayloadBudget(long bytes) {
    this.available = new AtomicLong(bytes);
  }

  /** Takes {@code bytes} if they are available. */
  boolean tryTake(long bytes) {
    long now;
    do {
      now = available.get();
      if (now < bytes) {
        return false;
      }
    } while (!available.compareAndSet(now, now - bytes));
    return true;
  }

  void giveBack(long bytes) {
    available.addAndGet(bytes);
  }

  public long available() {
    return available.get();
  }
}
