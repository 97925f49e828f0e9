package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import java.util.HashMap;
import java.util.Map;

/**
 * The payloads one queue keeps in memory, bounded in bytes by its own limit and by the node's
 * {@link PayloadBudget}. When either is full a new job's payload is not kept (the older jobs held
 * are due first) and is read back from the journal when the job comes due: a destination that is
 * down for hours grows the journal, not the heap.
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

  /** Keeps the job even past the bounds: it was read back to be used now. */
  void put(Job job) {
    int size = job.payload().length;
    Job previous = jobs.put(job.id(), job);
    int delta = size - (previous == null ? 0 : previous.payload().length);
    bytes += delta;
    budget.take(delta);
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
}
