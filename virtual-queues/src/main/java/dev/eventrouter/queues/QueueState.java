package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PersistedRecords;
import dev.eventrouter.persistence.job.QueueEvent;
import dev.eventrouter.persistence.job.RecordPosition;
import dev.eventrouter.queues.QueueSnapshot.FinishedJob;
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
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The state of a virtual queue: a compact index of its live jobs (never payloads), their schedule
 * and expiry order, the jobs on their way to the archive, and what it needs to refuse a job it had
 * already: the ids of finished jobs whose Kafka record may still be read again, and of other
 * finished jobs (replays) within the dedupe window. Mutable for speed (a queue may hold millions of
 * jobs) and changed by the event handler, one method per event type, and by what the ingest tells
 * of the records persisted ({@link #persisted(PersistedRecords)}).
 *
 * <p>A record's jobs are persisted before its offset is committed, and every record below the
 * committed offset has its jobs persisted: a record read twice lies at or above the committed
 * offset. The ingest knows more, per partition, the offset below which every record's jobs are
 * persisted in their queues; a job made from a record below it was accepted by its queue before (it
 * is live or finished), so the queue needs to remember only the finished jobs of records at or
 * above it. Never a high-water mark of the jobs accepted: an enqueue that is retried persists its
 * jobs after later records'. The offsets hold for one incarnation of the topic (Kafka's topic id):
 * told of another, the queue forgets them, since a topic made again counts from zero; and it
 * refuses a job by its offset only when told of the same incarnation.
 *
 * <p>It counts the journal events applied, which is the sequence number of the last one: a job's
 * index entry records the sequence number of the event that carries its payload.
 */
public final class QueueState {

  private final Map<Ksuid, PendingJob> jobs = new HashMap<>();
  private final NavigableSet<PendingJob> schedule = new TreeSet<>(PendingJob.BY_DUE);
  private final NavigableSet<PendingJob> expiries = new TreeSet<>(PendingJob.BY_EXPIRY);
  private final Set<Ksuid> archiving = new LinkedHashSet<>();

  /**
   * Ordering keys (their hashes) with a job in the schedule that waits for a later attempt, and how
   * many: such a job holds back the later jobs of its key ({@link KeyOrder}). Only keys of jobs
   * attempted (or moved by an operator), so at most one entry per such job, never one per key seen.
   */
  private final Map<Long, Integer> keysWaiting = new HashMap<>();

  /**
   * The payload sequence numbers of the jobs held, and the seconds they arrived at: the low
   * watermark and the oldest job without a walk over every job.
   */
  private final SortedCounts payloadEvents = new SortedCounts();

  private final SortedCounts arrivedSeconds = new SortedCounts();

  /** Jobs with an ordering key accepted, counted: the arrival of the last. */
  private long arrivals;

  /**
   * Jobs held that have an ordering key: while there are none, {@link #keyed} needs no lookup (it
   * is asked for every outcome).
   */
  private int keyedJobs;

  /** Per partition, the offset below which every record's jobs are persisted, as last told. */
  private final Map<Integer, Long> persistedBelow = new HashMap<>();

  /** The topic incarnation (Kafka's topic id) those offsets and the positions below are of. */
  private String topicId;

  /** Finished jobs of records at or above their partition's persistedBelow, oldest first. */
  private final LinkedHashMap<Ksuid, FinishedJob> finishedFromKafka = new LinkedHashMap<>();

  /** The same by partition and offset (a record makes at most one job per pair). */
  private final Map<Integer, NavigableMap<Long, Ksuid>> finishedByPosition = new HashMap<>();

  /**
   * Finished jobs that did not come from Kafka (replays), within the dedupe window, oldest first.
   */
  private final LinkedHashMap<Ksuid, FinishedJob> finishedOther = new LinkedHashMap<>();

  private final long dedupeWindowMillis;
  private final int dedupeMaxEntries;
  private long sequenceNr;

  /**
   * The earliest job, in schedule order, added to the schedule since the dispatcher last asked: a
   * job added before where its last pass could skip to ({@link #takeEarliestScheduled}). Not part
   * of what the journal or a snapshot carries.
   */
  private PendingJob earliestScheduled;

  /** Journal events and the job events they carried, applied to this state object. */
  private long eventsApplied;

  private long jobEventsApplied;

  /** A queue's state before its first event, dedupe as the settings say. */
  static QueueState empty(VirtualQueueSettings settings) {
    return new QueueState(settings.dedupeWindow(), settings.dedupeMaxEntries());
  }

  QueueState(Duration dedupeWindow, int dedupeMaxEntries) {
    this.dedupeWindowMillis = dedupeWindow.toMillis();
    this.dedupeMaxEntries = dedupeMaxEntries;
  }

  // ---- the event handler's transitions ----

  /**
   * Applies one journal event: a single job event, or a batch of them, each at the event's sequence
   * number (where the payloads and transitions it carries are read back from).
   */
  QueueState apply(QueueEvent event) {
    return applyAt(event, sequenceNr + 1);
  }

  /**
   * Applies one journal event at a sequence number of a log the queue shares with others (a queue
   * group's): the numbers of its own events are then not consecutive.
   */
  QueueState applyAt(QueueEvent event, long sequenceNr) {
    this.sequenceNr = sequenceNr;
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
    long arrival = event.job().orderingKey() == Job.UNORDERED ? 0L : ++arrivals;
    PendingJob job = PendingJob.accepted(event.job(), sequenceNr, arrival);
    if (jobs.putIfAbsent(job.id(), job) == null) {
      held(job, 1);
      payloadEvents.add(job.payloadSequenceNr());
      arrivedSeconds.add(job.arrivedAtSeconds());
      addToSchedule(job);
    }
  }

  /** The job, unless it is on its way to the archive, is due again at {@code at}. */
  private void dueAgain(Ksuid id, int attempts, Instant at) {
    PendingJob job = unschedule(id);
    if (job != null && !job.archiving()) {
      PendingJob next = job.retryAt(attempts, at.toEpochMilli(), sequenceNr);
      jobs.put(next.id(), next);
      addToSchedule(next);
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
      payloadEvents.remove(job.payloadSequenceNr());
      payloadEvents.add(moved.payloadSequenceNr());
      if (!job.archiving()) {
        removeFromSchedule(job);
        addToSchedule(moved);
      }
    }
  }

  /**
   * A terminal event: the job leaves the index. It is remembered while its Kafka record could be
   * read again above persistedBelow, or, when it did not come from Kafka, for the dedupe window.
   */
  private void finished(Ksuid id, Instant at) {
    PendingJob job = unschedule(id);
    if (job == null) {
      return; // finished before: remembered, or forgotten, already
    }
    jobs.remove(id);
    held(job, -1);
    payloadEvents.remove(job.payloadSequenceNr());
    arrivedSeconds.remove(job.arrivedAtSeconds());
    archiving.remove(id);
    long atMillis = at.toEpochMilli();
    RecordPosition position = job.position();
    if (position == null) {
      finishedOther.put(id, new FinishedJob(id, atMillis, null));
    } else if (!persistedBelow(position)) {
      remember(new FinishedJob(id, atMillis, position));
    }
    // by event time, not the clock: replaying the journal gives the same window
    forgetFinishedOutsideWindow(atMillis);
    // a bound in case persistedBelow does not rise (an ingest that does not tell it)
    while (finishedFromKafka.size() + finishedOther.size() > dedupeMaxEntries) {
      if (finishedFromKafka.size() >= finishedOther.size()) {
        forget(finishedFromKafka.values().iterator().next());
      } else {
        finishedOther.remove(finishedOther.keySet().iterator().next());
      }
    }
  }

  private void held(PendingJob job, int change) {
    if (job.orderingKey() != Job.UNORDERED) {
      keyedJobs += change;
    }
  }

  private void remember(FinishedJob job) {
    finishedFromKafka.put(job.id(), job);
    finishedByPosition
        .computeIfAbsent(job.position().partition(), p -> new TreeMap<>())
        .put(job.position().offset(), job.id());
  }

  private void forget(FinishedJob job) {
    finishedFromKafka.remove(job.id());
    NavigableMap<Long, Ksuid> partition = finishedByPosition.get(job.position().partition());
    partition.remove(job.position().offset());
    if (partition.isEmpty()) {
      finishedByPosition.remove(job.position().partition());
    }
  }

  // ---- what the ingest tells ----

  /**
   * Per partition, the offset below which every record's jobs are persisted in their queues. A
   * fact, however late it comes: each only ever raises what the queue knows, and the finished jobs
   * of records below it are forgotten, since such a record read again is refused by its position.
   * Of another topic incarnation, it replaces what the queue knew. Not journaled: snapshots keep
   * it, and the next enqueue tells it again.
   */
  void persisted(PersistedRecords told) {
    if (told.topicId() == null) {
      return;
    }
    if (topicId != null && !topicId.equals(told.topicId())) {
      // the old incarnation's records are gone: nothing of it can be read again
      persistedBelow.clear();
      finishedByPosition.clear();
      finishedFromKafka.clear();
    }
    topicId = told.topicId();
    told.below()
        .forEach(
            (partition, offset) -> {
              if (offset > persistedBelow.getOrDefault(partition, 0L)) {
                persistedBelow.put(partition, offset);
                NavigableMap<Long, Ksuid> finished = finishedByPosition.get(partition);
                if (finished != null) {
                  NavigableMap<Long, Ksuid> below = finished.headMap(offset, false);
                  below.values().forEach(finishedFromKafka::remove);
                  below.clear();
                  if (finished.isEmpty()) {
                    finishedByPosition.remove(partition);
                  }
                }
              }
            });
  }

  private boolean persistedBelow(RecordPosition position) {
    return position.offset() < persistedBelow.getOrDefault(position.partition(), 0L);
  }

  private PendingJob unschedule(Ksuid id) {
    PendingJob job = jobs.get(id);
    if (job != null && !job.archiving()) {
      removeFromSchedule(job);
    }
    return job;
  }

  private void addToSchedule(PendingJob job) {
    schedule.add(job);
    if (earliestScheduled == null || PendingJob.BY_DUE.compare(job, earliestScheduled) < 0) {
      earliestScheduled = job;
    }
    expiries.add(job);
    countWaiting(job, 1);
  }

  private void removeFromSchedule(PendingJob job) {
    schedule.remove(job);
    expiries.remove(job);
    countWaiting(job, -1);
  }

  /** A job due at 0 waits for nothing: it is at its place in arrival order. */
  private void countWaiting(PendingJob job, int change) {
    if (job.orderingKey() != Job.UNORDERED && job.dueAtMillis() > 0) {
      keysWaiting.merge(
          job.orderingKey(), change, (count, delta) -> count + delta == 0 ? null : count + delta);
    }
  }

  // ---- snapshots ----

  QueueSnapshot toSnapshot() {
    return new QueueSnapshot(
        sequenceNr,
        List.copyOf(jobs.values()),
        Stream.concat(finishedFromKafka.values().stream(), finishedOther.values().stream())
            .toList(),
        Map.copyOf(persistedBelow),
        topicId);
  }

  static QueueState fromSnapshot(
      QueueSnapshot snapshot, Duration dedupeWindow, int dedupeMaxEntries) {
    QueueState state = new QueueState(dedupeWindow, dedupeMaxEntries);
    state.sequenceNr = snapshot.sequenceNr();
    // sorted, so that each is an append
    snapshot.jobs().stream()
        .mapToLong(PendingJob::payloadSequenceNr)
        .sorted()
        .forEach(state.payloadEvents::add);
    snapshot.jobs().stream()
        .mapToLong(PendingJob::arrivedAtSeconds)
        .sorted()
        .forEach(state.arrivedSeconds::add);
    for (PendingJob job : snapshot.jobs()) {
      state.jobs.put(job.id(), job);
      state.held(job, 1);
      // only the order of live jobs matters: later ones come after the latest of them
      state.arrivals = Math.max(state.arrivals, job.arrival());
      if (job.archiving()) {
        state.archiving.add(job.id());
      } else {
        state.addToSchedule(job);
      }
    }
    state.persistedBelow.putAll(snapshot.persistedBelow());
    state.topicId = snapshot.topicId();
    for (FinishedJob finished : snapshot.finished()) {
      if (finished.position() == null) {
        state.finishedOther.put(finished.id(), finished);
      } else {
        state.remember(finished);
      }
    }
    return state;
  }

  // ---- reads ----

  boolean contains(Ksuid id) {
    return jobs.containsKey(id);
  }

  /**
   * Held now, finished and remembered, or made from a Kafka record whose jobs were all persisted
   * before (as {@code told}, of this topic incarnation): enqueuing it again would deliver it twice.
   */
  boolean knows(Job job, PersistedRecords told) {
    Ksuid id = job.id();
    return jobs.containsKey(id)
        || finishedFromKafka.containsKey(id)
        || finishedOther.containsKey(id)
        || (job.position() != null
            && topicId != null
            && topicId.equals(told.topicId())
            && persistedBelow(job.position()));
  }

  PendingJob get(Ksuid id) {
    return jobs.get(id);
  }

  /** Whether the job is held and has an ordering key, whose later jobs wait for its outcome. */
  boolean keyed(Ksuid id) {
    if (keyedJobs == 0) {
      return false;
    }
    PendingJob job = jobs.get(id);
    return job != null && job.orderingKey() != Job.UNORDERED;
  }

  /** Jobs to attempt, in the order they are due. Read-only to callers. */
  NavigableSet<PendingJob> schedule() {
    return schedule;
  }

  /**
   * The earliest job, in schedule order, added to the schedule (accepted, due again, carried
   * forward) since the last call, or null; forgets it. Jobs only leave the schedule or come back
   * into it at a new place, so a part of it that held only jobs under way holds only those still,
   * unless a job was added in it.
   */
  PendingJob takeEarliestScheduled() {
    PendingJob earliest = earliestScheduled;
    earliestScheduled = null;
    return earliest;
  }

  /**
   * Whether a job of this ordering key waits in the schedule for a later attempt (a retry, or one
   * an operator asked for).
   */
  boolean keyWaiting(long orderingKey) {
    return keysWaiting.containsKey(orderingKey);
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

  /**
   * Whether it holds nothing a new state would not: no job, and no finished job remembered to
   * refuse it again. A queue group lets such a pair's state go, keeping what it was told of the
   * records persisted itself.
   */
  boolean remembersNothing() {
    return jobs.isEmpty() && finishedFromKafka.isEmpty() && finishedOther.isEmpty();
  }

  /**
   * Forgets the finished jobs not from Kafka whose dedupe window has passed by the clock: finishing
   * a later one does it by event time, which a queue gone quiet never does.
   */
  void forgetFinishedOutsideWindow(long nowMillis) {
    Iterator<FinishedJob> oldest = finishedOther.values().iterator();
    while (oldest.hasNext() && oldest.next().atMillis() < nowMillis - dedupeWindowMillis) {
      oldest.remove();
    }
  }

  long sequenceNr() {
    return sequenceNr;
  }

  /**
   * The oldest event a live job still needs (the one carrying its payload); the next sequence
   * number when no job is live. Events below it may be deleted once a snapshot covers them.
   */
  long lowWatermark() {
    return payloadEvents.least(sequenceNr + 1);
  }

  /**
   * Jobs attempted before and waiting for a retry whose payload event is below {@code sequenceNr},
   * oldest payload first. Jobs on their way to the archive are not among them: they leave soon, and
   * their archiving event belongs in their trace.
   */
  List<PendingJob> attemptedWithPayloadsBelow(long sequenceNr, int max) {
    return jobs.values().stream()
        .filter(
            job -> job.payloadSequenceNr() < sequenceNr && job.attempts() > 0 && !job.archiving())
        .sorted(Comparator.comparingLong(PendingJob::payloadSequenceNr))
        .limit(max)
        .toList();
  }

  /**
   * Job events applied to this state object: after a recovery, those replayed since its snapshot
   * (all of the journal's, without one).
   */
  long jobEventsApplied() {
    return jobEventsApplied;
  }

  /**
   * Job events a journal event has carried on average, as far as this state has seen; 1 at first.
   */
  double jobEventsPerEvent() {
    return eventsApplied == 0 ? 1 : Math.max(1, (double) jobEventsApplied / eventsApplied);
  }

  /** When the oldest job held arrived in the router; null when none is held. */
  Instant oldestJobAt() {
    return arrivedSeconds.isEmpty() ? null : Instant.ofEpochSecond(arrivedSeconds.least(0));
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
