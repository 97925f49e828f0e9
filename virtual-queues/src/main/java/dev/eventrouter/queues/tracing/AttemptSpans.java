package dev.eventrouter.queues.tracing;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.queues.delivery.DeliveryOutcome;
import dev.eventrouter.queues.delivery.DeliveryRequest;
import dev.eventrouter.queues.destination.DestinationSettings;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The spans of one queue's attempts under way, from the request to its answer; used on the queue's
 * thread only. Each request carries its attempt's span as the {@code traceparent} the destination
 * receives, so that what the destination does is a child of that attempt.
 */
public final class AttemptSpans {

  private final JobTracing tracing;
  private final Map<Ksuid, Span> underWay = new HashMap<>();

  AttemptSpans(JobTracing tracing) {
    this.tracing = tracing;
  }

  /** The request of this attempt; its span starts now when tracing is on. */
  public DeliveryRequest request(
      Job job, int attempt, DestinationSettings destination, ActorRef<DeliveryOutcome> replyTo) {
    if (!tracing.on()) {
      return new DeliveryRequest(job, attempt, destination, replyTo);
    }
    Span span = tracing.attempt(job, attempt);
    underWay.put(job.id(), span);
    return new DeliveryRequest(job, attempt, destination, replyTo, JobTracing.traceOf(span));
  }

  /** The client refused the request (nothing was sent): its span is dropped, never exported. */
  public void notSent(Ksuid jobId) {
    if (tracing.on()) {
      underWay.remove(jobId);
    }
  }

  /** The attempt's answer: its span ends with what it came to. */
  public void answered(DeliveryOutcome outcome) {
    if (!tracing.on()) {
      return;
    }
    Span span = underWay.remove(outcome.jobId());
    if (span == null) {
      return;
    }
    DeliveryOutcome.Verdict verdict = outcome.verdict();
    span.setAttribute("eventrouter.outcome", verdict.name().toLowerCase(Locale.ROOT));
    if (outcome.status() != 0) {
      span.setAttribute("http.response.status_code", (long) outcome.status());
    }
    if (verdict != DeliveryOutcome.Verdict.SUCCEEDED) {
      // the error class when no response came, else the status, as the semantic conventions say
      span.setAttribute(
          "error.type",
          outcome.status() == 0 ? outcome.error() : Integer.toString(outcome.status()));
      span.setStatus(StatusCode.ERROR, outcome.describe());
    }
    span.end();
  }

  /** The queue stops without the answers to these attempts: they end as unanswered. */
  public void abandon() {
    underWay
        .values()
        .forEach(
            span -> {
              span.setAttribute("error.type", "unanswered");
              span.setStatus(StatusCode.ERROR, "the queue stopped before the answer came");
              span.end();
            });
    underWay.clear();
  }
}
