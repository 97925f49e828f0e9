package dev.eventrouter.persistence.job;

import java.time.Instant;

/**
 * The transitions of a job, named after the state each one enters (Centrifuge's job states).
 * Events are immutable and append-only; the events of one job are its execution trace.
 *
 * <pre>
 * awaiting_scheduling -> (attempt) -> succeeded       2xx
 *                                  -> discarded       4xx other than 408/429: retrying cannot help
 *                                  -> awaiting_retry  5xx, 408, 429, timeout, connection error
 * awaiting_retry      -> (attempt at retryAt) -> ...
 * </pre>
 *
 * <p>Every type here has a stable serialized name in {@code JobEventSerializer}; adding a type
 * means adding its name there.
 */
public sealed interface JobEvent {

  Ksuid jobId();

  /** The job was accepted into its pair's queue: the only event that carries the payload. */
  record AwaitingScheduling(Job job) implements JobEvent {
    @Override
    public Ksuid jobId() {
      return job.id();
    }
  }

  /** The destination answered 2xx. Terminal. */
  record Succeeded(Ksuid jobId, Attempt attempt) implements JobEvent {}

  /** The destination refused the job for good (a 4xx other than 408 and 429). Terminal. */
  record Discarded(Ksuid jobId, Attempt attempt, String reason) implements JobEvent {}

  /** The attempt failed in a way that may pass; the job is attempted again at {@code retryAt}. */
  record AwaitingRetry(Ksuid jobId, Attempt attempt, Instant retryAt) implements JobEvent {}
}
