package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The payloads one queue keeps in memory until their jobs finish, bounded in bytes by its own limit
 * and by the node's {@link PayloadBudget} whatever the backlog: a destination that is down for
 * hours grows the journal, not the heap. A payload is kept only while there is room, whether it
 * comes with a new job or is read back from the journal; one that does not fit is used at once
 * (sent) and read back again the next time its job comes due.
 *
 * <p>Once a new job's payload did not fit (or the queue started again with jobs), the queue keeps
 * no new job's payload until its dispatch has reached the last one not kept, reading them back in
 * order: the room goes to the jobs due first. Were new jobs to take each byte their elders' answers
 * free, as they come faster than those are sent, a queue behind would hold the payloads of its
 * newest jobs, due last, and read the oldest back a few at a time, each read decoding whole journal
 * rows for the few jobs that can go at once, and again at the next pass: a cost per job several
 * times a drain's, which kept a router that had fallen behind from catching up while traffic
 * lasted.
 *
 * <p>A queue that caught up all but the jobs of one read keeps new payloads again as soon as a read
 * under way brings the newest not kept, not once dispatch reached it: a pair whose jobs come faster
 * than a read takes would otherwise read each new job back, the mark moving on with every batch
 * that came while the last one was read. Should a payload of that read then find no room, the new
 * jobs wait again.
 */
final class PayloadCache {

  private final long maxBytes;
  private final PayloadBudget budget;
  private final Map<Ksuid, Job> jobs = new HashMap<>();
  private long bytes;

  /**
   * The journal event of the newest new job whose payload was not kept, while dispatch has not
   * reached it; 0 when none is behind.
   */
  private long notKeptUpTo;

  /**
   * The newest journal event, of new jobs, whose payloads a read back of this queue's brings; once
   * it has the mark, no job not kept lies outside a read.
   */
  private long readUpTo;

  PayloadCache(long maxBytes, PayloadBudget budget) {
    this.maxBytes = maxBytes;
    this.budget = budget;
  }

  /** Keeps the job if there is room; false if there is not. */
  private boolean offer(Job job) {
    int size = job.payload().length;
    if (jobs.containsKey(job.id())) {
      return true;
    }
    if (bytes + size <= maxBytes && budget.tryTake(size)) {
      jobs.put(job.id(), job);
      bytes += size;
      return true;
    }
    return false;
  }

  /**
   * Keeps the payloads of jobs just accepted in the journal event {@code sequenceNr} while there is
   * room, unless jobs accepted before them are behind (their payloads not kept, and neither reached
   * nor all being read); past the first that does not fit, none.
   *
   * @return whether all were kept
   */
  boolean offerNew(List<Job> accepted, long sequenceNr) {
    if (notKeptUpTo == 0 || readUpTo >= notKeptUpTo) {
      for (Job job : accepted) {
        if (!offer(job)) {
          notKeptUpTo = sequenceNr;
          return false;
        }
      }
      return true;
    }
    notKeptUpTo = sequenceNr;
    return false;
  }

  /** Dispatch reads these jobs' payloads back. */
  void reading(List<PendingJob> jobs) {
    for (PendingJob job : jobs) {
      if (job.attempts() == 0) {
        readUpTo = Math.max(readUpTo, job.payloadSequenceNr());
      }
    }
  }

  /**
   * Keeps payloads read back, first due first, while there is room; once one does not fit, new
   * jobs' payloads wait again for dispatch to reach the newest not kept.
   */
  void offerRead(Collection<Job> read) {
    for (Job job : read) {
      if (!offer(job)) {
        readUpTo = 0;
      }
    }
  }

  /** The queue started with jobs whose payloads lie in the journal up to {@code sequenceNr}. */
  void behindUpTo(long sequenceNr) {
    notKeptUpTo = sequenceNr;
  }

  /**
   * Dispatch has the payload of this job, at hand or read back: once it is a job never attempted in
   * the event of the newest not kept, or a later one, new jobs' payloads are kept again. (A retried
   * job's payload carried forward lies past the mark without being one of those.)
   */
  void reached(PendingJob job) {
    if (notKeptUpTo != 0 && job.payloadSequenceNr() >= notKeptUpTo && job.attempts() == 0) {
      notKeptUpTo = 0;
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
