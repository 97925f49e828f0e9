package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import java.util.HashSet;
import java.util.Set;

/**
 * Which jobs of ordering keys may be attempted in one pass over a queue's schedule: the jobs of one
 * key (a destination ordered per key, {@link Job#orderingKey()}) go one at a time, in arrival
 * order, the next only once the previous outcome is persisted. A key is held while a job of it is
 * under way (sent, or answered and its outcome not yet in the journal: {@link InFlight}) or waits
 * in the schedule for a later attempt ({@link QueueState#keyWaiting}); a held key holds back only
 * its own later jobs, and the pass goes on past them to the other keys'.
 *
 * <p>It keeps nothing of its own between passes: the keys under way are those of the jobs in
 * flight, found once per pass that meets a job with a key, and the keys waiting are the state's,
 * which recovery rebuilds from the journal. A discarded, delivered or archived job leaves both, and
 * so releases its key. Its jobs' later arrivals need nothing: the schedule puts them after it.
 *
 * <p>Keys are 64-bit hashes: two keys with one hash are ordered together, which holds one back for
 * the other at worst, never lets a job overtake an earlier one of its own key.
 */
final class KeyOrder {

  private final QueueState state;
  private final InFlight inFlight;

  /** The keys of the jobs under way, and of those sent in this pass; found when first needed. */
  private Set<Long> underWay;

  KeyOrder(QueueState state, InFlight inFlight) {
    this.state = state;
    this.inFlight = inFlight;
  }

  /**
   * Whether the job's key lets it be attempted now. The pass meets a key's jobs in arrival order,
   * except the one waiting for a retry, due later: that one goes when due, and the key's other jobs
   * (all later: the earlier ones are finished) wait for it.
   */
  boolean mayGo(PendingJob job) {
    long key = job.orderingKey();
    if (key == Job.UNORDERED) {
      return true;
    }
    if (underWay().contains(key)) {
      return false;
    }
    return job.dueAtMillis() > 0 || !state.keyWaiting(key);
  }

  /** The job was sent: its key is held for the rest of the pass, and then by {@link InFlight}. */
  void sent(PendingJob job) {
    if (job.orderingKey() != Job.UNORDERED) {
      underWay().add(job.orderingKey());
    }
  }

  private Set<Long> underWay() {
    if (underWay == null) {
      underWay = new HashSet<>();
      for (Ksuid id : inFlight.jobIds()) {
        PendingJob job = state.get(id);
        if (job != null && job.orderingKey() != Job.UNORDERED) {
          underWay.add(job.orderingKey());
        }
      }
    }
    return underWay;
  }
}
