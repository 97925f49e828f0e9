package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.queues.delivery.DeliveryOutcome;
import dev.eventrouter.queues.delivery.DeliveryOutcomes;
import dev.eventrouter.queues.destination.DestinationSettings;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Takes the answers to a queue's requests, tells the destination's breaker and the pair's rate what
 * they were, and persists the outcomes collected for outcome-batch-delay (or until
 * outcome-batch-max) in one journal write; within ordered-outcome-batch-delay once one of them is a
 * job's with an ordering key, whose key's next job waits for that write.
 */
final class OutcomeBatcher {

  /** The delivery client's answers: to one request, or to several answered together. */
  record Delivered(DeliveryOutcomes outcomes) implements VirtualQueue.Internal {}

  /** The batch's time is up. */
  enum Flush implements VirtualQueue.Internal {
    INSTANCE
  }

  private static final Object TIMER = "flush-outcomes";

  private final QueueRuntime queue;
  private final Dispatcher dispatcher;
  private final ArchivePipeline archive;
  private final OperatorLevers levers;

  /** Jobs moved in the index. */
  private final Consumer<QueueState> changed;

  private final List<DeliveryOutcome> unpersisted = new ArrayList<>();

  /**
   * Whether an outcome received since the last write is a job's with an ordering key, whose key's
   * next job waits for that write.
   */
  private boolean keyedWaiting;

  /** When the armed flush timer fires (queue clock, millis); MAX_VALUE when none is armed. */
  private long flushAtMillis = Long.MAX_VALUE;

  private String lastError;
  private Instant lastErrorAt;

  OutcomeBatcher(
      QueueRuntime queue,
      Dispatcher dispatcher,
      ArchivePipeline archive,
      OperatorLevers levers,
      Consumer<QueueState> changed) {
    this.queue = queue;
    this.dispatcher = dispatcher;
    this.archive = archive;
    this.levers = levers;
    this.changed = changed;
  }

  /**
   * Takes the outcomes of attempts under way; false when none is of an attempt this incarnation of
   * the queue made (those are ignored).
   */
  boolean receive(DeliveryOutcomes outcomes, QueueState state) {
    boolean taken = false;
    for (DeliveryOutcome outcome : outcomes.outcomes()) {
      if (receive(outcome)) {
        taken = true;
        keyedWaiting |= state.keyed(outcome.jobId());
      }
    }
    return taken;
  }

  private boolean receive(DeliveryOutcome outcome) {
    InFlight.Answer answer = queue.inFlight().answered(outcome);
    if (answer == InFlight.Answer.UNKNOWN) {
      return false;
    }
    queue.attempts().answered(outcome);
    if (answer == InFlight.Answer.REQUEST) {
      // the concurrency limit, the breaker and the rate count requests: a batch's answer once
      dispatcher.answered(outcome);
      report(outcome);
    }
    unpersisted.add(outcome);
    return true;
  }

  /** After outcomes were received: write the batch if it is full, and refill the pair's room. */
  QueueEffect batch(QueueState state) {
    if (unpersisted.size() >= queue.settings().outcomeBatchMax()) {
      return flush(state);
    }
    Duration delay =
        keyedWaiting
            ? queue.settings().orderedOutcomeBatchDelay()
            : queue.settings().outcomeBatchDelay();
    long at = queue.nowMillis() + delay.toMillis();
    if (at < flushAtMillis || !queue.host().timerActive(TIMER)) {
      flushAtMillis = at;
      queue.host().startTimer(TIMER, Flush.INSTANCE, delay);
    }
    if (dispatcher.wantsRefill()) {
      dispatcher.dispatch(state, JobEventListener.PassCause.ANSWERED);
    }
    return QueueEffect.none();
  }

  QueueEffect flush(QueueState state) {
    queue.host().cancelTimer(TIMER);
    flushAtMillis = Long.MAX_VALUE;
    if (unpersisted.isEmpty()) {
      return QueueEffect.none();
    }
    List<JobEvent> events = drain(state);
    return queue
        .persist(events)
        .thenRun(
            s -> {
              queue.deps().listener().persisted(queue.pair(), events);
              for (JobEvent event : events) {
                queue.inFlight().persisted(event.jobId());
                if (!s.contains(event.jobId())) {
                  queue.payloads().remove(event.jobId());
                }
              }
              changed.accept(s);
              archive.next(s);
            });
  }

  boolean isEmpty() {
    return unpersisted.isEmpty();
  }

  /** The events for the outcomes received and not yet persisted; forgets those outcomes. */
  List<JobEvent> drain(QueueState state) {
    keyedWaiting = false;
    List<JobEvent> events = new ArrayList<>(unpersisted.size());
    for (DeliveryOutcome outcome : unpersisted) {
      boolean flushed = levers.flushedInFlight(outcome.jobId());
      switch (outcome.verdict()) {
        case SUCCEEDED -> events.add(new JobEvent.Succeeded(outcome.jobId(), outcome.toAttempt()));
        case DISCARDED ->
            events.add(
                new JobEvent.Discarded(
                    outcome.jobId(), outcome.toAttempt(), outcome.describe(), outcome.origin()));
        case RETRY, SPLIT -> {
          // the failed attempt is in the trace also when the job goes to the archive after it
          events.add(
              new JobEvent.AwaitingRetry(outcome.jobId(), outcome.toAttempt(), retryAt(outcome)));
          Optional<String> archiving = archiveReason(state, outcome, flushed);
          archiving.ifPresent(
              reason ->
                  events.add(
                      new JobEvent.Archiving(outcome.jobId(), outcome.finishedAt(), reason)));
          if (outcome.verdict() == DeliveryOutcome.Verdict.SPLIT && archiving.isEmpty()) {
            dispatcher.sendAlone(outcome.jobId(), state);
          }
        }
      }
    }
    unpersisted.clear();
    return events;
  }

  /** The last failed attempt's status or error class, or null. */
  String lastError() {
    return lastError;
  }

  Instant lastErrorAt() {
    return lastErrorAt;
  }

  /**
   * Tells the destination's breaker and the pair's rate what the attempt said of the destination. A
   * 429 is about this tenant's rate, not the destination's health: it slows the pair and leaves the
   * breaker alone.
   */
  private void report(DeliveryOutcome outcome) {
    Optional<DestinationSettings> destination = dispatcher.destination();
    if (destination.isEmpty()) {
      return;
    }
    if (outcome.verdict() != DeliveryOutcome.Verdict.SUCCEEDED) {
      lastError = outcome.describe();
      lastErrorAt = outcome.finishedAt();
    }
    CircuitBreaker breaker = queue.deps().breakers().current(destination.get());
    long took = Duration.between(outcome.startedAt(), outcome.finishedAt()).toNanos();
    switch (outcome.signal()) {
      case HEALTHY -> breaker.onSuccess(took, TimeUnit.NANOSECONDS);
      case FAILING -> breaker.onError(took, TimeUnit.NANOSECONDS, new DeliveryFailure(outcome));
      case THROTTLED -> {
        breaker.releasePermission();
        dispatcher.throttled();
      }
      case NOT_SENT -> breaker.releasePermission();
    }
  }

  /**
   * Why a failed attempt is the job's last: an operator flushed it meanwhile, or its expiry has
   * passed; empty when it is retried.
   */
  private static Optional<String> archiveReason(
      QueueState state, DeliveryOutcome outcome, boolean flushed) {
    if (flushed) {
      return Optional.of(JobEvent.Archiving.FLUSHED);
    }
    PendingJob job = state.get(outcome.jobId());
    if (job != null && outcome.finishedAt().toEpochMilli() >= job.expireAtMillis()) {
      return Optional.of(JobEvent.Archiving.EXPIRED);
    }
    return Optional.empty();
  }

  private Instant retryAt(DeliveryOutcome outcome) {
    Optional<DestinationSettings> destination = dispatcher.destination();
    if (destination.isEmpty()) {
      // the destination was removed: hold the job, look again later
      return outcome.finishedAt().plus(QueueRuntime.UNCONFIGURED_RECHECK);
    }
    return destination
        .get()
        .retry()
        .retryAt(
            outcome.attempt(),
            outcome.finishedAt(),
            outcome.retryAfter(),
            ThreadLocalRandom.current());
  }

  /** What the breaker records for a failed attempt (it counts failures, the type is not used). */
  private static final class DeliveryFailure extends RuntimeException {
    DeliveryFailure(DeliveryOutcome outcome) {
      super(outcome.describe(), null, false, false);
    }
  }
}
