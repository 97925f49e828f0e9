package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import java.util.HashMap;
import java.util.Map;

/**
 * The payloads a queue keeps in memory, bounded in bytes. When it is full a new job's payload is
 * not kept (the older jobs already held are due first) and is read back from the journal when the
 * job comes due: a destination that is down for hours grows the journal, not the heap.
 */
final class PayloadCache {

  private final long maxBytes;
  private final Map<Ksuid, Job> jobs = new HashMap<>();
  private long bytes;

  PayloadCache(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** Keeps the job if there is room. */
  void offer(Job job) {
    if (bytes + job.payload().length <= maxBytes) {
      put(job);
    }
  }

  /** Keeps the job even past the bound: it was read back to be sent now. */
  void put(Job job) {
    Job previous = jobs.put(job.id(), job);
    bytes += job.payload().length - (previous == null ? 0 : previous.payload().length);
  }

  Job get(Ksuid id) {
    return jobs.get(id);
  }

  void remove(Ksuid id) {
    Job removed = jobs.remove(id);
    if (removed != null) {
      bytes -= removed.payload().length;
    }
  }

  int size() {
    return jobs.size();
  }

  long bytes() {
    return bytes;
  }
}
