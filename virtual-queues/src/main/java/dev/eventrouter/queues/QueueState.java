package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.QueueEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * The state of a virtual queue: a compact index of its live jobs (never payloads), their
 * schedule and expiry order, the jobs on their way to the archive, and the ids of jobs finished
 * within the dedupe window. Mutable for speed (a queue may hold millions of jobs) and changed only
 * by the event handler, one method per event type.
 *
 * <p>It counts the journal events applied, which is the sequence number of the last one: a job's
 * index entry records the sequence number of the event that carries its payload.
 */
public final class QueueState {

  private final Map<Ksuid, PendingJob> jobs = new HashMap<>();
  private final NavigableSet<PendingJob> schedule = new TreeSet<>(PendingJob.BY_DUE);
  private final NavigableSet<PendingJob> expiries = new TreeSet<>(PendingJob.BY_EXPIRY);
  private final Set<Ksuid> archiving = new LinkedHashSet<>();
  /** Finished job id to when it finished (epoch millis), oldest first. */
  private final LinkedHashMap<Ksuid, Long> finished = new LinkedHashMap<>();
  private final long dedupeWindowMillis;
  private final int dedupeMaxEntries;
  private long sequenceNr;
  /** Journal events and the job events they carried, applied to this state object. */
  private long eventsApplied;
  private long jobEventsApplied;

  QueueState(Duration dedupeWindow, int dedupeMaxEntries) {
    this.dedupeWindowMillis = dedupeWindow.toMillis();
    this.dedupeMaxEntries = dedupeMaxEntries;
  }

  // ---- the event handler's transitions ----

  /**
   * Applies one journal event: a single job event, or a batch of them, each at the event's
   * sequence number (where the payloads and transitions it carries are read back from).
   */
  QueueState apply(QueueEvent event) {
    sequenceNr++;
    eventsApplied++;
    jobEventsApplied += event.jobEvents().size();
    for (JobEvent jobEvent : event.jobEvents()) {
      apply(jobEvent);
    }
    return this;
  }

  private void apply(JobEvent event) {
    if (event instanceof JobEvent.AwaitingScheduling e) {
      awaitingScheduling(e);
    } else if (event instanceof JobEvent.AwaitingRetry e) {
      dueAgain(e.jobId(), e.attempt().number(), e.retryAt());
    } else if (event instanceof JobEvent.RetryRequested e) {
      PendingJob job = jobs.get(e.jobId());
      dueAgain(e.jobId(), job == null ? 0 : job.attempts(), e.at());
    } else if (event instanceof JobEvent.Succeeded e) {
      finished(e.jobId(), e.attempt().finishedAt());
    } else if (event instanceof JobEvent.Discarded e) {
      finished(e.jobId(), e.attempt().finishedAt());
    } else if (event instanceof JobEvent.Archiving e) {
      archivingStarted(e);
    } else if (event instanceof JobEvent.Archived e) {
      finished(e.jobId(), e.at());
    } else if (event instanceof JobEvent.CarriedForward e) {
      carriedForward(e);
    }
  }

  private void awaitingScheduling(JobEvent.AwaitingScheduling event) {
    PendingJob job = PendingJob.accepted(event.jobId(), sequenceNr,
        event.job().expireAt().toEpochMilli());
    if (jobs.putIfAbsent(job.id(), job) == null) {
      schedule.add(job);
      expiries.add(job);
    }
  }

  /** The job, unless it is on its way to the archive, is due again at {@code at}. */
  private void dueAgain(Ksuid id, int attempts, Instant at) {
    PendingJob job = unschedule(id);
    if (job != null && !job.archiving()) {
      PendingJob next = job.retryAt(attempts, at.toEpochMilli(), sequenceNr);
      jobs.put(next.id(), next);
      schedule.add(next);
      expiries.add(next);
    }
  }

  private void archivingStarted(JobEvent.Archiving event) {
    PendingJob job = unschedule(event.jobId());
    if (job != null) {
      jobs.put(job.id(), job.toArchive(sequenceNr));
      archiving.add(job.id());
    }
  }

  private void carriedForward(JobEvent.CarriedForward event) {
    PendingJob job = jobs.get(event.jobId());
    if (job != null) {
      PendingJob moved = job.carriedTo(sequenceNr);
      jobs.put(moved.id(), moved);
      if (!job.archiving()) {
        schedule.remove(job);
        schedule.add(moved);
        expiries.remove(job);
        expiries.add(moved);
      }
    }
  }

  /** A terminal event: the job leaves the index and is remembered for the dedupe window. */
  private void finished(Ksuid id, Instant at) {
    unschedule(id);
    jobs.remove(id);
    archiving.remove(id);
    long atMillis = at.toEpochMilli();
    finished.put(id, atMillis);
    // by event time, not the clock: replaying the journal gives the same window
    Iterator<Map.Entry<Ksuid, Long>> oldest = finished.entrySet().iterator();
    while (oldest.hasNext()) {
      Map.Entry<Ksuid, Long> entry = oldest.next();
      if (finished.size() <= dedupeMaxEntries && entry.getValue() >= atMillis - dedupeWindowMillis) {
        break;
      }
      oldest.remove();
    }
  }

  private PendingJob unschedule(Ksuid id) {
    PendingJob job = jobs.get(id);
    if (job != null && !job.archiving()) {
      schedule.remove(job);
      expiries.remove(job);
    }
    return job;
  }

  // ---- snapshots ----

  QueueSnapshot toSnapshot() {
    return new QueueSnapshot(sequenceNr, List.copyOf(jobs.values()),
        finished.entrySet().stream()
            .map(e -> new QueueSnapshot.FinishedJob(e.getKey(), e.getValue())).toList());
  }

  static QueueState fromSnapshot(QueueSnapshot snapshot, Duration dedupeWindow, int dedupeMaxEntries) {
    QueueState state = new QueueState(dedupeWindow, dedupeMaxEntries);
    state.sequenceNr = snapshot.sequenceNr();
    for (PendingJob job : snapshot.jobs()) {
      state.jobs.put(job.id(), job);
      if (job.archiving()) {
        state.archiving.add(job.id());
      } else {
        state.schedule.add(job);
        state.expiries.add(job);
      }
    }
    snapshot.finished().forEach(f -> state.finished.put(f.id(), f.atMillis()));
    return state;
  }

  // ---- reads ----

  boolean contains(Ksuid id) {
    return jobs.containsKey(id);
  }

  /** Held now, or finished within the dedupe window: enqueuing it again would deliver it twice. */
  boolean knows(Ksuid id) {
    return jobs.containsKey(id) || finished.containsKey(id);
  }

  PendingJob get(Ksuid id) {
    return jobs.get(id);
  }

  /** Jobs to attempt, in the order they are due. Read-only to callers. */
  NavigableSet<PendingJob> schedule() {
    return schedule;
  }

  /** Jobs to attempt, in the order they expire. Read-only to callers. */
  NavigableSet<PendingJob> expiries() {
    return expiries;
  }

  /** Jobs marked for the archive and not yet archived, in the order they were marked. */
  Collection<Ksuid> archiving() {
    return archiving;
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

  /**
   * The oldest event a live job still needs (the one carrying its payload); the next sequence
   * number when no job is live. Events below it may be deleted once a snapshot covers them.
   */
  long lowWatermark() {
    long lowest = sequenceNr + 1;
    for (PendingJob job : jobs.values()) {
      lowest = Math.min(lowest, job.payloadSequenceNr());
    }
    return lowest;
  }

  /**
   * Jobs attempted before and waiting for a retry whose payload event is below {@code
   * sequenceNr}, oldest payload first. Jobs on their way to the archive are not among them: they
   * leave soon, and their archiving event belongs in their trace.
   */
  List<PendingJob> attemptedWithPayloadsBelow(long sequenceNr, int max) {
    return jobs.values().stream()
        .filter(job -> job.payloadSequenceNr() < sequenceNr && job.attempts() > 0 && !job.archiving())
        .sorted(Comparator.comparingLong(PendingJob::payloadSequenceNr))
        .limit(max)
        .toList();
  }

  /** Job events a journal event has carried on average, as far as this state has seen; 1 at first. */
  double jobEventsPerEvent() {
    return eventsApplied == 0 ? 1 : Math.max(1, (double) jobEventsApplied / eventsApplied);
  }

  /** When the oldest job held arrived, from the time in its id; null when none is held. */
  Instant oldestJobAt() {
    Ksuid oldest = null;
    for (Ksuid id : jobs.keySet()) {
      if (oldest == null || id.compareTo(oldest) < 0) {
        oldest = id;
      }
    }
    return oldest == null ? null : oldest.time();
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
