package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * An operator's levers on a queue: flush every job held to the archive, or retry now every job
 * awaiting a retry. A lever applies to the jobs held when it was pulled, a batch per journal write,
 * so that a large backlog is not moved in one write.
 */
final class OperatorLevers {

  enum Lever {
    FLUSH,
    RETRY_NOW
  }

  /** Applies a lever to the next batch of the jobs held when it was pulled. */
  record More(Lever lever, long upToSequenceNr) implements VirtualQueue.Internal {}

  /** Jobs a lever changes per journal write. */
  private static final int BATCH = 5_000;

  private final QueueRuntime queue;
  private final JournalUpkeep upkeep;
  private final ArchivePipeline archive;

  /** Jobs moved in the index. */
  private final Consumer<QueueState> changed;

  /**
   * Jobs a flush reached in flight: archived if their attempt fails. Lost if the queue stops
   * before, like the rest of a lever's batches.
   */
  private final Set<Ksuid> flushWhenAttempted = new HashSet<>();

  OperatorLevers(
      QueueRuntime queue,
      JournalUpkeep upkeep,
      ArchivePipeline archive,
      Consumer<QueueState> changed) {
    this.queue = queue;
    this.upkeep = upkeep;
    this.archive = archive;
    this.changed = changed;
  }

  /** Replies how many jobs the lever applies to, and starts on them. */
  QueueEffect pull(QueueState state, Lever lever, ActorRef<VirtualQueue.LeverPulled> replyTo) {
    long now = queue.nowMillis();
    int jobs =
        switch (lever) {
          case FLUSH -> state.schedule().size();
          case RETRY_NOW ->
              (int) state.schedule().stream().filter(job -> job.dueAtMillis() > now).count();
        };
    upkeep.hold();
    queue.host().tellSelf(new More(lever, state.sequenceNr()));
    return QueueEffect.reply(replyTo, new VirtualQueue.LeverPulled(jobs));
  }

  /**
   * Changes the next batch of the jobs held when the lever was pulled, one journal write per batch.
   * A job in flight is left to its attempt: a flush archives it if the attempt fails, a retry-now
   * does not reach it (its attempt is now).
   */
  QueueEffect more(QueueState state, More more) {
    if (upkeep.deferWhileCarrying(more)) {
      return QueueEffect.none();
    }
    Instant at = queue.deps().clock().instant();
    List<JobEvent> events = new ArrayList<>();
    // jobs due later are at the schedule's end: a retry-now walks back from there
    Iterable<PendingJob> jobs =
        more.lever() == Lever.FLUSH ? state.schedule() : state.schedule().descendingSet();
    for (PendingJob job : jobs) {
      if (events.size() >= BATCH
          || more.lever() == Lever.RETRY_NOW && job.dueAtMillis() <= at.toEpochMilli()) {
        break;
      }
      if (job.payloadSequenceNr() > more.upToSequenceNr()) {
        continue;
      }
      if (!queue.inFlight().contains(job.id())) {
        events.add(
            more.lever() == Lever.FLUSH
                ? new JobEvent.Archiving(job.id(), at, JobEvent.Archiving.FLUSHED)
                : new JobEvent.RetryRequested(job.id(), at));
      } else if (more.lever() == Lever.FLUSH) {
        flushWhenAttempted.add(job.id());
      }
    }
    if (events.isEmpty()) {
      upkeep.release(state);
      return QueueEffect.none();
    }
    boolean full = events.size() >= BATCH;
    return queue
        .persist(events)
        .thenRun(
            s -> {
              queue.deps().listener().persisted(queue.pair(), events);
              changed.accept(s);
              archive.next(s);
              if (full) {
                queue.host().tellSelf(more);
              } else {
                upkeep.release(s);
              }
            });
  }

  /** Whether a flush reached the job while its attempt was under way; forgets it. */
  boolean flushedInFlight(Ksuid jobId) {
    return flushWhenAttempted.remove(jobId);
  }
}
