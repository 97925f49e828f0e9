package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * The state of a virtual queue: a compact index of its live jobs (never payloads) and their
 * schedule. Mutable for speed, a queue may hold millions of jobs, and changed only by the event
 * handler, one method per event type.
 *
 * <p>It counts the events applied, which is the sequence number of the last one: a job's index
 * entry records the sequence number of the event that carries its payload.
 */
public final class QueueState {

  private final Map<Ksuid, PendingJob> jobs = new HashMap<>();
  private final NavigableSet<PendingJob> schedule = new TreeSet<>(PendingJob.BY_DUE);
  private long sequenceNr;

  QueueState awaitingScheduling(JobEvent.AwaitingScheduling event) {
    sequenceNr++;
    PendingJob job = new PendingJob(event.jobId(), sequenceNr, 0, 0L,
        event.job().expireAt().toEpochMilli());
    if (jobs.putIfAbsent(job.id(), job) == null) {
      schedule.add(job);
    }
    return this;
  }

  QueueState awaitingRetry(JobEvent.AwaitingRetry event) {
    sequenceNr++;
    PendingJob job = jobs.get(event.jobId());
    if (job != null) {
      schedule.remove(job);
      PendingJob next = job.retryAt(event.attempt().number(), event.retryAt().toEpochMilli());
      jobs.put(next.id(), next);
      schedule.add(next);
    }
    return this;
  }

  /** Succeeded and discarded: the job leaves the index. */
  QueueState finished(JobEvent event) {
    sequenceNr++;
    PendingJob job = jobs.remove(event.jobId());
    if (job != null) {
      schedule.remove(job);
    }
    return this;
  }

  boolean contains(Ksuid id) {
    return jobs.containsKey(id);
  }

  PendingJob get(Ksuid id) {
    return jobs.get(id);
  }

  /** Live jobs in the order they are due. Read-only to callers. */
  Iterable<PendingJob> schedule() {
    return schedule;
  }

  int size() {
    return jobs.size();
  }

  boolean isEmpty() {
    return jobs.isEmpty();
  }

  long sequenceNr() {
    return sequenceNr;
  }

  /** Jobs attempted at least once and waiting for their next attempt. */
  int awaitingRetry() {
    // never-attempted jobs are due at 0, so they lead the schedule: count from its end
    int count = 0;
    for (PendingJob job : schedule.descendingSet()) {
      if (job.attempts() == 0) {
        break;
      }
      count++;
    }
    return count;
  }
}
