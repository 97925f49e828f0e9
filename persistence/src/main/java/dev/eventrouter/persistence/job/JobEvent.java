package dev.eventrouter.persistence.job;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The transitions of a job, named after the state each one enters (Centrifuge's job states). Events
 * are immutable and append-only; the events of one job are its execution trace.
 *
 * <pre>
 * awaiting_scheduling -> (attempt) -> succeeded       2xx
 *                                  -> discarded       4xx other than 408/429: retrying cannot help
 *                                  -> awaiting_retry  5xx, 408, 429, timeout, connection error
 * awaiting_retry      -> (attempt at retryAt) -> ...
 * awaiting_retry      -> awaiting_retry (an operator's retry-now: due at once)
 * awaiting_scheduling, awaiting_retry -> archiving (expire_at passed, or flushed by an operator)
 * archiving           -> archived (the archive acknowledged it)
 * </pre>
 *
 * <p>Times are kept to the millisecond, as the journal stores them: an event read back equals the
 * event written.
 *
 * <p>Every type here has a stable serialized name in {@code JobEventSerializer}; adding a type
 * means adding its name there.
 */
public sealed interface JobEvent extends QueueEvent {

  Ksuid jobId();

  @Override
  default List<JobEvent> jobEvents() {
    return List.of(this);
  }

  /** Whether the job leaves its queue with this event: delivered, discarded or archived. */
  default boolean terminal() {
    return false;
  }

  /** An event that carries the whole job, payload included: where a payload is read back from. */
  sealed interface WithPayload extends JobEvent {
    Job job();
  }

  /** The job was accepted into its pair's queue, with its payload. */
  record AwaitingScheduling(Job job) implements WithPayload {
    @Override
    public Ksuid jobId() {
      return job.id();
    }
  }

  /** The destination answered 2xx. Terminal. */
  record Succeeded(Ksuid jobId, Attempt attempt) implements JobEvent {
    @Override
    public boolean terminal() {
      return true;
    }
  }

  /**
   * The job will never be delivered: the destination refused it for good (a 4xx other than 408 and
   * 429: {@link DiscardOrigin#CUSTOMER}), or the router cannot send it ({@link
   * DiscardOrigin#SYSTEM}). Terminal.
   */
  record Discarded(Ksuid jobId, Attempt attempt, String reason, DiscardOrigin origin)
      implements JobEvent {
    public Discarded {
      // events written before the origin existed were all refusals by the destination
      origin = origin == null ? DiscardOrigin.CUSTOMER : origin;
    }

    @Override
    public boolean terminal() {
      return true;
    }
  }

  /** The attempt failed in a way that may pass; the job is attempted again at {@code retryAt}. */
  record AwaitingRetry(Ksuid jobId, Attempt attempt, Instant retryAt) implements JobEvent {
    public AwaitingRetry {
      retryAt = retryAt.truncatedTo(ChronoUnit.MILLIS);
    }
  }

  /**
   * An operator asked for the job to be attempted now instead of at its {@code retryAt} (the
   * destination is back, say). It stays awaiting retry, due at {@code at}.
   */
  record RetryRequested(Ksuid jobId, Instant at) implements JobEvent {
    public RetryRequested {
      at = at.truncatedTo(ChronoUnit.MILLIS);
    }
  }

  /**
   * The job is no longer attempted and is on its way to the archive.
   *
   * @param reason {@link #EXPIRED}, or {@link #FLUSHED} by an operator
   */
  record Archiving(Ksuid jobId, Instant at, String reason) implements JobEvent {
    public Archiving {
      at = at.truncatedTo(ChronoUnit.MILLIS);
    }

    public static final String EXPIRED = "expired";
    public static final String FLUSHED = "flushed";
  }

  /** The archive acknowledged the job, stored at {@code location}. Terminal. */
  record Archived(Ksuid jobId, Instant at, String location) implements JobEvent {
    public Archived {
      at = at.truncatedTo(ChronoUnit.MILLIS);
    }

    @Override
    public boolean terminal() {
      return true;
    }
  }

  /**
   * Journal upkeep, not a change of state: a live job's payload written again at the head of the
   * journal, so that the events behind it can be deleted (Centrifuge's drainer, which moves
   * retrying jobs into a fresh JobDB). The job keeps its attempts and its schedule.
   *
   * @param earlierAttempts the attempts made before, whose events may now be deleted: the trace
   *     goes on from here
   */
  record CarriedForward(Job job, List<Attempt> earlierAttempts) implements WithPayload {
    public CarriedForward {
      // events written before the attempts were carried have none
      earlierAttempts = earlierAttempts == null ? List.of() : List.copyOf(earlierAttempts);
    }

    @Override
    public Ksuid jobId() {
      return job.id();
    }
  }
}
