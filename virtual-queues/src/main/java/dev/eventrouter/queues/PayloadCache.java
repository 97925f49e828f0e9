package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import java.util.HashMap;
import java.util.Map;

/**
 * The payloads one queue keeps in memory until their jobs finish, bounded in bytes by its own limit
 * and by the node's {@link PayloadBudget} whatever the backlog: a destination that is down for
 * hours grows the journal, not the heap. A payload is kept only while there is room, whether it
 * comes with a new job or is read back from the journal; one that does not fit is used at once
 * (sent) and read back again the next time its job comes due.
 */
final class PayloadCache {

  private final long maxBytes;
  private final PayloadBudget budget;
  private final Map<Ksuid, Job> jobs = new HashMap<>();
  private long bytes;

  PayloadCache(long maxBytes, PayloadBudget budget) {
    this.maxBytes = maxBytes;
    this.budget = budget;
  }

  /** Keeps the job if there is room. */
  void offer(Job job) {
    int size = job.payload().length;
    if (!jobs.containsKey(job.id()) && bytes + size <= maxBytes && budget.tryTake(size)) {
      jobs.put(job.id(), job);
      bytes += size;
    }
  }

  /** Whether another payload might fit (one of any size, as far as the bytes left tell). */
  boolean hasRoom() {
    return bytes < maxBytes && budget.available() > 0;
  }

  Job get(Ksuid id) {
    return jobs.get(id);
  }

  void remove(Ksuid id) {
    Job removed = jobs.remove(id);
    if (removed != null) {
      bytes -= removed.payload().length;
      budget.giveBack(removed.payload().length);
    }
  }

  /** Gives everything back to the node's budget: the queue stops. */
  void clear() {
    jobs.clear();
    budget.giveBack(bytes);
    bytes = 0;
  }

  int size() {
    return jobs.size();
  }

  long bytes() {
    return bytes;
  }
}
