package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.Transition;
import dev.eventrouter.persistence.journal.JobPayloads;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.pattern.StatusReply;

/**
 * Reads jobs of one queue back from its journal: for dispatch the events carrying their payloads
 * (the payload cache had no room for them), for the archive and for carrying forward their whole
 * traces, and for an operator one job's trace. One read at a time per reader.
 */
final class PayloadReadBack {

  /** How soon a read the journal did not answer is tried again. */
  static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  /** A part that reads jobs back, and goes on with them. */
  interface Reader {

    /** Whole traces, or only the events carrying the payloads. */
    boolean wantsTraces();

    /**
     * Each job still live as it was read, with its events (among them its payload's), and each
     * job's index entry when the read started: one changed since (attempted again, archiving) has
     * events the read did not see.
     */
    void read(QueueState state, Map<Ksuid, List<JobEvent>> live, Map<Ksuid, PendingJob> readAs);

    /** The journal did not answer: nothing was read. */
    void readFailed();
  }

  /**
   * @param readAs each job's index entry when it was read, in schedule order: a job whose payload
   *     moved since (carried forward) is read again, not taken for lost
   */
  record Read(
      Reader reader, JobPayloads.Found found, Map<Ksuid, PendingJob> readAs, Throwable failure)
      implements VirtualQueue.Internal {}

  /**
   * A job's events read for an operator's {@link VirtualQueue.GetTrace}, replied to on the queue's
   * thread.
   *
   * @param live the queue held the job when the read started
   */
  record TraceRead(
      VirtualQueue.GetTrace get, boolean live, List<JobEvent> events, Throwable failure)
      implements VirtualQueue.Internal {}

  private final QueueRuntime queue;

  /** Jobs left the queue (discarded as lost). */
  private final Consumer<QueueState> removed;

  private final Set<Reader> reading = Collections.newSetFromMap(new IdentityHashMap<>());

  PayloadReadBack(QueueRuntime queue, Consumer<QueueState> removed) {
    this.queue = queue;
    this.removed = removed;
  }

  /** Whether a read of the reader's is under way. */
  boolean reading(Reader reader) {
    return reading.contains(reader);
  }

  /** Reads the jobs back for the reader, unless a read of its is under way. */
  void read(Reader reader, List<PendingJob> jobs) {
    if (!reading.add(reader)) {
      return;
    }
    SortedSet<Long> sequenceNrs = new TreeSet<>();
    Map<Ksuid, PendingJob> readAs = new LinkedHashMap<>();
    for (PendingJob job : jobs) {
      if (reader.wantsTraces()) {
        sequenceNrs.addAll(job.traceSequenceNrsWithPayload());
      } else {
        sequenceNrs.add(job.payloadSequenceNr());
      }
      readAs.put(job.id(), job);
    }
    queue
        .host()
        .pipeToSelf(
            queue.deps().payloads().readEvents(queue.persistenceId(), sequenceNrs, readAs.keySet()),
            (found, failure) -> new Read(reader, found, readAs, failure));
  }

  /**
   * A read that failed is tried again: the journal did not answer, and no job ends for that. A job
   * whose payload the journal answered without (the row is gone, or its bytes cannot be read) can
   * never be sent nor archived: it is discarded by the system, with the reason in its trace, and
   * the pair goes on with the others.
   */
  QueueEffect received(QueueState state, Read read) {
    reading.remove(read.reader());
    if (read.failure() != null) {
      queue
          .host()
          .log()
          .warn(
              "reading jobs of {} back from the journal failed; trying again in {}",
              queue.pair(),
              RETRY_AFTER,
              read.failure());
      read.reader().readFailed();
      return QueueEffect.none();
    }
    queue.deps().listener().payloadsRead(read.readAs().size(), read.found().rows());
    Map<Ksuid, List<JobEvent>> live = new LinkedHashMap<>();
    List<JobEvent> lost = new ArrayList<>();
    Instant at = queue.deps().clock().instant();
    read.readAs()
        .forEach(
            (id, asRead) -> {
              PendingJob now = state.get(id);
              List<JobEvent> events = read.found().events().get(id);
              boolean moved = now != null && now.payloadSequenceNr() != asRead.payloadSequenceNr();
              if (now == null || moved) {
                // finished meanwhile, or carried forward (and its old row maybe compacted): read
                // anew
                return;
              }
              if (events != null && JobPayloads.payloadOf(events) != null) {
                live.put(id, events);
              } else if (!queue.inFlight().contains(id)) {
                // one in flight (carry-forward reads those too) ends by its outcome, or comes back
                // here
                lost.add(
                    LostPayload.discard(
                        now, read.found().unreadable().contains(now.payloadSequenceNr()), at));
              }
            });
    if (lost.isEmpty()) {
      read.reader().read(state, live, read.readAs());
      return QueueEffect.none();
    }
    queue
        .host()
        .log()
        .error(
            "{} jobs of {} have no readable payload in the journal, discarded: {}",
            lost.size(),
            queue.pair(),
            lost.stream().map(JobEvent::jobId).toList());
    return queue
        .persist(lost)
        .thenRun(
            s -> {
              queue.deps().listener().persisted(queue.pair(), lost);
              removed.accept(s);
              read.reader().read(s, live, read.readAs());
            });
  }

  /**
   * Replies the job's trace: from the index and the journal while the job is live; once it
   * finished, from what the journal's last trace-scan-events events still hold of it, if no more
   * than trace-scans-at-once such scans are under way on the node.
   */
  QueueEffect trace(QueueState state, VirtualQueue.GetTrace get) {
    Ksuid id = get.jobId();
    PendingJob job = state.get(id);
    CompletionStage<List<JobEvent>> events =
        job != null
            ? queue
                .deps()
                .payloads()
                .readEvents(queue.persistenceId(), job.traceSequenceNrsWithPayload(), Set.of(id))
                .thenApply(found -> found.events().getOrDefault(id, List.of()))
            : queue
                .deps()
                .traceScans()
                .run(
                    () ->
                        queue
                            .deps()
                            .payloads()
                            .eventsOf(
                                queue.persistenceId(),
                                Math.max(
                                    1, state.sequenceNr() - queue.settings().traceScanEvents()),
                                state.sequenceNr(),
                                id));
    queue
        .host()
        .pipeToSelf(events, (found, failure) -> new TraceRead(get, job != null, found, failure));
    return QueueEffect.none();
  }

  /** Replies the trace read for an operator (or why it could not be read). */
  QueueEffect traced(QueueState state, TraceRead read) {
    Ksuid id = read.get().jobId();
    return QueueEffect.reply(
        read.get().replyTo(),
        read.failure() != null
            ? StatusReply.error(traceFailure(id, read.failure()))
            : StatusReply.success(
                new VirtualQueue.JobTrace(id, read.live(), Transition.of(read.events()))));
  }

  /**
   * What the operator is told: why, when the node refused the scan; else only that the read failed
   * (logged here), since a journal's message can name its host, its user, a file of the data
   * directory.
   */
  private String traceFailure(Ksuid id, Throwable failure) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (cause instanceof TraceScans.Busy) {
      return cause.getMessage();
    }
    queue.host().log().warn("reading the trace of job {} failed", id, cause);
    return "reading the trace of " + id + " failed";
  }
}
