package dev.eventrouter.persistence.job;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One delivery attempt: the executing span of a job, carried by the event that ends it. There is no
 * separate "executing" event: persisting one would double the journal writes per delivery and would
 * not help after a crash, since nobody can tell whether a request in flight reached the
 * destination; the job is simply attempted again (at-least-once).
 *
 * @param number 1 for the first attempt
 * @param httpStatus the response status, or 0 when no response came
 * @param error the failure class when no usable response came (e.g. {@code timeout}, {@code
 *     connection-refused}), or null
 */
public record Attempt(
    int number, Instant startedAt, Instant finishedAt, int httpStatus, String error) {

  /** To the millisecond, as the journal stores times. */
  public Attempt {
    startedAt = startedAt.truncatedTo(ChronoUnit.MILLIS);
    finishedAt = finishedAt.truncatedTo(ChronoUnit.MILLIS);
  }

  public static Attempt responded(int number, Instant startedAt, Instant finishedAt, int status) {
    return new Attempt(number, startedAt, finishedAt, status, null);
  }

  public static Attempt failed(int number, Instant startedAt, Instant finishedAt, String error) {
    return new Attempt(number, startedAt, finishedAt, 0, error);
  }
}
