package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.QueueEvent;
import dev.eventrouter.persistence.journal.JobPayloads;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps a queue's journal from growing with its history: decides when to snapshot, deletes the rows
 * no live job needs once a snapshot covers them, and carries forward the payloads of jobs that
 * retry for long, so that they do not pin every row written after theirs.
 */
final class JournalUpkeep implements PayloadReadBack.Reader {

  /** Look again whether the journal can be compacted. */
  enum Tick implements VirtualQueue.Internal {
    INSTANCE
  }

  record Compacted(long below, Throwable failure) implements VirtualQueue.Internal {}

  /**
   * @param readAs each job's index entry when it was read: a job that changed since is skipped
   */
  record CarryForward(List<JobEvent.CarriedForward> events, Map<Ksuid, PendingJob> readAs)
      implements VirtualQueue.Internal {}

  private static final Object TIMER = "upkeep";

  /**
   * How often a queue whose journal is not yet compacted up to its last snapshot looks again: the
   * job holding the low watermark back may have finished without another snapshot coming.
   */
  private static final Duration INTERVAL = Duration.ofSeconds(10);

  private final QueueRuntime queue;
  private final PayloadReadBack readBack;
  private long jobEventsSinceSnapshot;
  private long savedSnapshotSequenceNr;
  private long compactedBelow;
  private boolean compacting;
  private boolean compactAgain;

  /** The jobs of the current carry-forward round, oldest payload first; empty between rounds. */
  private final ArrayDeque<Ksuid> toCarry = new ArrayDeque<>();

  private boolean carrying;

  /**
   * Operators' levers under way: no carry-forward starts meanwhile, since carrying a job moves it
   * past a lever's mark and the lever would miss it.
   */
  private int heldBy;

  /** Lever batches that wait for the carry-forward round under way, to be sent again after. */
  private final ArrayDeque<VirtualQueue.Internal> waiting = new ArrayDeque<>();

  /**
   * Off for a queue whose events are in a log it shares with other queues: it takes no snapshot,
   * compacts nothing and carries nothing forward, its host keeping the log.
   */
  private final boolean enabled;

  JournalUpkeep(QueueRuntime queue, PayloadReadBack readBack, boolean enabled) {
    this.queue = queue;
    this.readBack = readBack;
    this.enabled = enabled;
  }

  /**
   * After snapshot-every job events, or as many as the queue holds jobs if that is more: a large
   * backlog is not written out again after every thousand jobs. Counted in job events, not journal
   * events, which may each carry a batch of hundreds. None while the queue holds more than
   * snapshot-max-jobs: the first event after which it holds fewer takes the one put off.
   */
  boolean shouldSnapshot(QueueState state, QueueEvent event) {
    if (!enabled) {
      return false;
    }
    jobEventsSinceSnapshot += event.jobEvents().size();
    // Pekko asks with the state before the events of a write are applied
    if (jobEventsSinceSnapshot < Math.max(queue.settings().snapshotEvery(), state.size())
        || state.size() + sizeChange(event) > queue.settings().snapshotMaxJobs()) {
      return false;
    }
    jobEventsSinceSnapshot = 0;
    return true;
  }

  /** How many jobs the queue holds more (or fewer) once the event is applied. */
  private static int sizeChange(QueueEvent event) {
    int change = 0;
    for (JobEvent jobEvent : event.jobEvents()) {
      if (jobEvent instanceof JobEvent.AwaitingScheduling) {
        change++;
      } else if (jobEvent.terminal()) {
        change--;
      }
    }
    return change;
  }

  /**
   * Counts on from the job events replayed since the snapshot: a queue that passivates (or moves)
   * before it reaches snapshot-every in one life, as a pair with a burst an hour does, would
   * otherwise start from zero each time, never take a snapshot, and never compact its journal.
   */
  void recovered(QueueState state) {
    jobEventsSinceSnapshot = state.jobEventsApplied();
  }

  void snapshotSaved(QueueState state, long sequenceNr) {
    savedSnapshotSequenceNr = sequenceNr;
    upkeep(state);
  }

  /** Compacts up to the last snapshot and carries payloads forward; looks again until done. */
  void upkeep(QueueState state) {
    if (!enabled) {
      return;
    }
    compact(state);
    carryForwardNext(state);
    if (compactedBelow < savedSnapshotSequenceNr && !queue.host().timerActive(TIMER)) {
      queue.host().startTimer(TIMER, Tick.INSTANCE, INTERVAL);
    }
  }

  /** A lever starts: no carry-forward round until it is done. */
  void hold() {
    heldBy++;
  }

  void release(QueueState state) {
    heldBy--;
    if (enabled) {
      carryForwardNext(state);
    }
  }

  /**
   * True when a carry-forward round is under way, in which case the lever's message is sent again
   * once it is done.
   */
  boolean deferWhileCarrying(VirtualQueue.Internal leverMessage) {
    if (carrying) {
      waiting.add(leverMessage);
    }
    return carrying;
  }

  /**
   * Deletes what no live job needs any more: the events below both the low watermark and the last
   * snapshot, and the older snapshots. One deletion at a time; asked again meanwhile, it runs again
   * when the first is done.
   */
  private void compact(QueueState state) {
    long below = Math.min(state.lowWatermark(), savedSnapshotSequenceNr);
    if (below <= compactedBelow) {
      return;
    }
    if (compacting) {
      compactAgain = true;
      return;
    }
    compacting = true;
    compactAgain = false;
    queue
        .host()
        .pipeToSelf(
            queue
                .deps()
                .compaction()
                .deleteBelow(queue.persistenceId(), below, savedSnapshotSequenceNr),
            (deleted, failure) -> new Compacted(below, failure));
  }

  QueueEffect compacted(QueueState state, Compacted compacted) {
    compacting = false;
    if (compacted.failure() != null) {
      queue
          .host()
          .log()
          .warn(
              "deleting the old journal rows of {} failed; trying again later",
              queue.pair(),
              compacted.failure());
    } else {
      compactedBelow = compacted.below();
    }
    if (compactAgain) {
      compact(state);
    }
    return QueueEffect.none();
  }

  /**
   * Carries the oldest payloads of retrying jobs forward when they hold the low watermark far
   * behind the head (more than carry-forward-lag, or twice the jobs held): a round takes the
   * retrying jobs whose payload lies more than half of that behind, a batch at a time. Jobs never
   * attempted are left where they are: they leave in arrival order, and the watermark with them.
   */
  private void carryForwardNext(QueueState state) {
    if (carrying || heldBy > 0) {
      return;
    }
    // counted in job events: a journal event of a batch pins all the payloads it carries
    long lag = Math.max(queue.settings().carryForwardLag(), 2L * state.size());
    double perEvent = state.jobEventsPerEvent();
    if (toCarry.isEmpty()) {
      if ((state.sequenceNr() - state.lowWatermark()) * perEvent <= lag) {
        return;
      }
      state
          .attemptedWithPayloadsBelow(
              state.sequenceNr() - (long) (lag / 2 / perEvent), Integer.MAX_VALUE)
          .forEach(job -> toCarry.add(job.id()));
    }
    List<PendingJob> batch = new ArrayList<>();
    for (Ksuid id : toCarry) {
      if (batch.size() >= queue.settings().carryForwardBatch()) {
        break;
      }
      PendingJob job = state.get(id);
      if (job != null) {
        batch.add(job);
      }
    }
    if (batch.isEmpty()) {
      toCarry.clear();
      compact(state);
      return;
    }
    carrying = true;
    batch.forEach(job -> toCarry.remove(job.id()));
    readBack.read(this, batch);
  }

  @Override
  public boolean wantsTraces() {
    return true;
  }

  /**
   * Each job again, with the attempts its trace tells so far: those events may go now. Each is
   * compared, when written, with its entry when the read started (not when it ended): one attempted
   * or archived while the read was under way has events the read did not see.
   */
  @Override
  public void read(
      QueueState state, Map<Ksuid, List<JobEvent>> traces, Map<Ksuid, PendingJob> readAs) {
    List<JobEvent.CarriedForward> events = new ArrayList<>(traces.size());
    traces.forEach(
        (id, trace) -> {
          List<Attempt> attempts = new ArrayList<>();
          for (JobEvent event : trace) {
            if (event instanceof JobEvent.CarriedForward carried) {
              attempts.addAll(carried.earlierAttempts());
            } else if (event instanceof JobEvent.AwaitingRetry retry) {
              attempts.add(retry.attempt());
            }
          }
          events.add(new JobEvent.CarriedForward(JobPayloads.payloadOf(trace), attempts));
        });
    events.sort(Comparator.comparing(JobEvent::jobId));
    Map<Ksuid, PendingJob> asRead = new HashMap<>();
    traces.keySet().forEach(id -> asRead.put(id, readAs.get(id)));
    queue.host().tellSelf(new CarryForward(events, asRead));
  }

  /**
   * The next snapshot starts another round. What waited for this one (an operator's lever) goes on:
   * left waiting, it would never run, and its hold would keep carrying forward off.
   */
  @Override
  public void readFailed() {
    carrying = false;
    toCarry.clear();
    resumeWaiting();
  }

  QueueEffect carryForward(QueueState state, CarryForward carry) {
    if (heldBy > 0) {
      // a lever was pulled while the round read: carried, its jobs would move past the lever's
      // mark and it would miss them. The round is dropped; one after the lever finds them again.
      toCarry.clear();
      carried(state);
      return QueueEffect.none();
    }
    // a job attempted (or archived) since it was read has events the carried one would hide
    List<JobEvent> events =
        carry.events().stream()
            .filter(
                event ->
                    Objects.equals(state.get(event.jobId()), carry.readAs().get(event.jobId())))
            .<JobEvent>map(event -> event)
            .toList();
    if (events.isEmpty()) {
      carried(state);
      return QueueEffect.none();
    }
    return queue.persist(events).thenRun(this::carried);
  }

  private void carried(QueueState state) {
    carrying = false;
    if (!resumeWaiting()) {
      carryForwardNext(state);
    }
  }

  /** Sends on what waited for the carry under way; false when nothing did. */
  private boolean resumeWaiting() {
    if (waiting.isEmpty()) {
      return false;
    }
    waiting.forEach(queue.host()::tellSelf);
    waiting.clear();
    return true;
  }
}
