package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.journal.JobPayloads;
import dev.eventrouter.queues.archive.ArchivedJob;
import dev.eventrouter.queues.tracing.JobTracing;
import io.opentelemetry.api.trace.Span;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Takes a queue's jobs to the archive: marks those whose expiry passed (an operator's flush and a
 * last failed attempt mark them too), reads the marked ones back with their traces a batch at a
 * time, hands them to the archive, and ends them as archived only once the archive has them.
 */
final class ArchivePipeline implements PayloadReadBack.Reader {

  /** The expiry timer's: mark the jobs whose expiry passed. */
  enum Expire implements VirtualQueue.Internal {
    INSTANCE
  }

  /** Take the next batch of marked jobs (after a failure's backoff). */
  enum Next implements VirtualQueue.Internal {
    INSTANCE
  }

  /** The archive's answer for a batch: where each job is, or why none is. */
  record Stored(List<Ksuid> ids, Map<Ksuid, String> locations, Throwable failure)
      implements VirtualQueue.Internal {}

  private static final Object EXPIRY_TIMER = "expiry";
  private static final Object ARCHIVE_TIMER = "archive";

  /** What a job's payload is taken to weigh before one of the pair's batches was read. */
  private static final long FIRST_GUESS_BYTES = 1024 * 1024;

  private final QueueRuntime queue;
  private final PayloadReadBack readBack;

  /** Jobs were marked: dispatch and expiry look again. */
  private final Consumer<QueueState> changed;

  /** Jobs left the queue. */
  private final Consumer<QueueState> removed;

  /** A batch is being read back or stored: one at a time. */
  private boolean busy;

  private int failures;

  /** The batch under way's span. */
  private Span archiving = Span.getInvalid();

  private long expiryTimerAt = Long.MAX_VALUE;

  /** Jobs the next batch reads back: as many as archive-batch-max-bytes holds (see there). */
  private int nextBatchJobs;

  ArchivePipeline(
      QueueRuntime queue,
      PayloadReadBack readBack,
      Consumer<QueueState> changed,
      Consumer<QueueState> removed) {
    this.queue = queue;
    this.readBack = readBack;
    this.changed = changed;
    this.removed = removed;
    this.nextBatchJobs = jobsThatFit(FIRST_GUESS_BYTES);
  }

  private int jobsThatFit(long bytesPerJob) {
    long fit = queue.settings().archiveBatchMaxBytes() / Math.max(1, bytesPerJob);
    return (int) Math.max(1, Math.min(queue.settings().archiveBatchMax(), fit));
  }

  /** Marks for the archive the jobs whose expiry has passed (none in flight). */
  QueueEffect expire(QueueState state) {
    expiryTimerAt = Long.MAX_VALUE;
    long now = queue.nowMillis();
    Instant at = queue.deps().clock().instant();
    List<JobEvent> events = new ArrayList<>();
    for (PendingJob job : state.expiries()) {
      if (job.expireAtMillis() > now || events.size() >= queue.settings().archiveBatchMax()) {
        break;
      }
      if (!queue.inFlight().contains(job.id())) {
        events.add(new JobEvent.Archiving(job.id(), at, JobEvent.Archiving.EXPIRED));
      }
    }
    if (events.isEmpty()) {
      scheduleExpiry(state);
      return QueueEffect.none();
    }
    return queue
        .persist(events)
        .thenRun(
            s -> {
              queue.deps().listener().persisted(queue.pair(), events);
              changed.accept(s);
              next(s);
            });
  }

  /**
   * Watches the first job to expire that is not in flight: one in flight goes to the archive by its
   * outcome, and waking for it would wake again at once until then. At most max-in-flight jobs are
   * skipped.
   */
  void scheduleExpiry(QueueState state) {
    long at = Long.MAX_VALUE;
    for (PendingJob job : state.expiries()) {
      if (!queue.inFlight().contains(job.id())) {
        at = job.expireAtMillis();
        break;
      }
    }
    if (at == Long.MAX_VALUE || at >= expiryTimerAt && queue.host().timerActive(EXPIRY_TIMER)) {
      return;
    }
    expiryTimerAt = at;
    queue.host().startTimer(EXPIRY_TIMER, Expire.INSTANCE, queue.delayUntil(at));
  }

  /** Reads the next batch of jobs marked for the archive back, unless one is under way. */
  void next(QueueState state) {
    if (busy || state.archiving().isEmpty()) {
      return;
    }
    List<PendingJob> batch =
        state.archiving().stream().limit(nextBatchJobs).map(state::get).toList();
    busy = true;
    readBack.read(this, batch);
  }

  @Override
  public boolean wantsTraces() {
    return true;
  }

  @Override
  public void read(
      QueueState state, Map<Ksuid, List<JobEvent>> traces, Map<Ksuid, PendingJob> readAs) {
    if (traces.isEmpty()) {
      busy = false;
      next(state);
      return;
    }
    List<ArchivedJob> batch = new ArrayList<>(traces.size());
    traces.forEach((id, trace) -> batch.add(new ArchivedJob(JobPayloads.payloadOf(trace), trace)));
    long bytes = 0;
    for (ArchivedJob archived : batch) {
      bytes += archived.job().payload().length;
    }
    nextBatchJobs = jobsThatFit((bytes + batch.size() - 1) / batch.size());
    batch.sort(Comparator.comparing(archived -> archived.job().id()));
    List<Ksuid> ids = batch.stream().map(archived -> archived.job().id()).toList();
    archiving = queue.deps().tracing().archive(queue.pair(), batch);
    queue
        .host()
        .pipeToSelf(
            queue.deps().archive().archive(queue.pair(), batch),
            (locations, failure) -> new Stored(ids, locations, failure));
  }

  @Override
  public void readFailed() {
    busy = false;
    queue.host().startTimer(ARCHIVE_TIMER, Next.INSTANCE, PayloadReadBack.RETRY_AFTER);
  }

  QueueEffect stored(QueueState state, Stored stored) {
    busy = false;
    JobTracing.ended(archiving, stored.failure());
    if (stored.failure() != null) {
      failures++;
      Duration backoff = Duration.ofMillis(Math.min(30_000L, 500L << Math.min(failures, 6)));
      queue
          .host()
          .log()
          .warn(
              "archiving {} jobs of {} failed (attempt {}), trying again in {}: {}",
              stored.ids().size(),
              queue.pair(),
              failures,
              backoff,
              stored.failure().toString());
      queue.host().startTimer(ARCHIVE_TIMER, Next.INSTANCE, backoff);
      return QueueEffect.none();
    }
    failures = 0;
    Instant at = queue.deps().clock().instant();
    List<JobEvent> events =
        stored.ids().stream()
            .<JobEvent>map(
                id -> new JobEvent.Archived(id, at, stored.locations().getOrDefault(id, "")))
            .toList();
    return queue
        .persist(events)
        .thenRun(
            s -> {
              queue.deps().listener().persisted(queue.pair(), events);
              stored.ids().forEach(queue.payloads()::remove);
              removed.accept(s);
              next(s);
            });
  }
}
