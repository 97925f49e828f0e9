package dev.eventrouter.persistence.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One step of a job's execution trace as operators read it (the admin API, the archive): the state
 * entered, when, and what caused it. Events keep an attempt in the event that ends it; here it is
 * told as the {@code executing} step it was, followed by its outcome.
 *
 * @param state awaiting_scheduling, executing, succeeded, discarded, awaiting_retry, archiving,
 *     archived
 * @param attempt the attempt's number, for executing and its outcome
 * @param httpStatus the destination's answer, when it answered
 * @param error the failure class when no usable answer came
 * @param retryAt when the next attempt is due (awaiting_retry)
 * @param reason why the job was discarded or archived
 * @param origin who refused a discarded job: CUSTOMER (the destination's 4xx) or SYSTEM
 * @param location where the archive stored it (archived)
 * @param replayOf the archived job a replayed one delivers again (awaiting_scheduling)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Transition(
    String state,
    Instant at,
    Integer attempt,
    Integer httpStatus,
    String error,
    Instant retryAt,
    String reason,
    DiscardOrigin origin,
    String location,
    Ksuid replayOf) {

  /** The steps the events tell, in their order. */
  public static List<Transition> of(List<JobEvent> events) {
    List<Transition> steps = new ArrayList<>();
    for (JobEvent event : events) {
      if (event instanceof JobEvent.AwaitingScheduling e) {
        steps.add(
            new Transition(
                "awaiting_scheduling",
                e.job().createdAt(),
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                e.job().replayOf()));
      } else if (event instanceof JobEvent.CarriedForward e) {
        // the attempts whose own events were deleted; each was retried, or it would be gone
        for (Attempt attempt : e.earlierAttempts()) {
          steps.add(executing(attempt));
          steps.add(outcome("awaiting_retry", attempt, null, null, null));
        }
      } else if (event instanceof JobEvent.AwaitingRetry e) {
        steps.add(executing(e.attempt()));
        steps.add(outcome("awaiting_retry", e.attempt(), e.retryAt(), null, null));
      } else if (event instanceof JobEvent.Succeeded e) {
        steps.add(executing(e.attempt()));
        steps.add(outcome("succeeded", e.attempt(), null, null, null));
      } else if (event instanceof JobEvent.Discarded e) {
        steps.add(executing(e.attempt()));
        steps.add(outcome("discarded", e.attempt(), null, e.reason(), e.origin()));
      } else if (event instanceof JobEvent.RetryRequested e) {
        steps.add(
            new Transition(
                "awaiting_retry", e.at(), null, null, null, e.at(), "retry-now", null, null, null));
      } else if (event instanceof JobEvent.Archiving e) {
        steps.add(
            new Transition(
                "archiving", e.at(), null, null, null, null, e.reason(), null, null, null));
      } else if (event instanceof JobEvent.Archived e) {
        steps.add(
            new Transition(
                "archived", e.at(), null, null, null, null, null, null, e.location(), null));
      }
    }
    return steps;
  }

  private static Transition executing(Attempt attempt) {
    return new Transition(
        "executing",
        attempt.startedAt(),
        attempt.number(),
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  private static Transition outcome(
      String state, Attempt attempt, Instant retryAt, String reason, DiscardOrigin origin) {
    return new Transition(
        state,
        attempt.finishedAt(),
        attempt.number(),
        attempt.httpStatus() == 0 ? null : attempt.httpStatus(),
        attempt.error(),
        retryAt,
        reason,
        origin,
        null,
        null);
  }
}
