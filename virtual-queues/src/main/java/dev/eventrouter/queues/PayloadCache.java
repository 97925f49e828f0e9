package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The payloads one queue keeps in memory until their jobs finish, bounded in bytes by its own limit
 * and by the node's {@link PayloadBudget} whatever the backlog: a destination that is down for
 * hours grows the journal, not the heap. A payload is kept only while there is room, whether it
 * comes with a new job or is read back from the journal; one that does not fit is used at once
 * (sent) and read back again the next time its job comes due.
 *
 * <p>Once payloads read back found no room, new jobs' payloads are not kept either, until a read is
 * kept whole or the cache has emptied: a queue that holds more than its cache delivers its jobs in
 * order, and a new job is the last of them. Kept, new payloads took the room from those read back
 * for the jobs due now, which were then read a few at a time, each read decoding whole journal
 * events again: a router that fell behind spent its time reading its journal back and did not catch
 * up even at half the rate (BENCHMARKS.md, "A router that fell behind").
 */
final class PayloadCache {

  private final long maxBytes;
  private final PayloadBudget budget;
  private final Map<Ksuid, Job> jobs = new HashMap<>();
  private long bytes;

  /** The last read back did not fit whole, and the cache has not emptied since. */
  private boolean readBackRefused;

  PayloadCache(long maxBytes, PayloadBudget budget) {
    this.maxBytes = maxBytes;
    this.budget = budget;
  }

  /** Keeps a new job's payload if there is room and no payload read back was refused it. */
  void offerNew(Job job) {
    if (!readBackRefused) {
      offer(job);
    }
  }

  /** Keeps the payloads read back from the journal while there is room. */
  void offerReadBack(Collection<Job> read) {
    boolean whole = true;
    for (Job job : read) {
      whole &= offer(job);
    }
    readBackRefused = !whole;
  }

  private boolean offer(Job job) {
    if (jobs.containsKey(job.id())) {
      return true;
    }
    int size = job.payload().length;
    if (bytes + size <= maxBytes && budget.tryTake(size)) {
      jobs.put(job.id(), job);
      bytes += size;
      return true;
    }
    return false;
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
      if (jobs.isEmpty()) {
        readBackRefused = false;
      }
    }
  }

  /** Gives everything back to the node's budget: the queue stops. */
  void clear() {
    jobs.clear();
    budget.giveBack(bytes);
    bytes = 0;
    readBackRefused = false;
  }

  int size() {
    return jobs.size();
  }

  long bytes() {
    return bytes;
  }
}
