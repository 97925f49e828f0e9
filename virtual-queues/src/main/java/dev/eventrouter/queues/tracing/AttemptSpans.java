package dev.eventrouter.queues.tracing;

import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.queues.delivery.DeliveryOutcome;
import dev.eventrouter.queues.delivery.DeliveryOutcomes;
import dev.eventrouter.queues.delivery.DeliveryRequest;
import dev.eventrouter.queues.destination.DestinationSettings;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.util.HashMap;
import java.util.List;
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

  /**
   * The request of these attempts (one job, or a batch); with tracing on, a span starts now for
   * each job's attempt, and the request carries its first job's, as it carries its first job's id.
   */
  public DeliveryRequest request(
      List<DeliveryRequest.Sent> jobs,
      DestinationSettings destination,
      ActorRef<DeliveryOutcomes> replyTo) {
    if (!tracing.on()) {
      return new DeliveryRequest(jobs, destination, replyTo);
    }
    Span first = null;
    for (DeliveryRequest.Sent sent : jobs) {
      Span span = tracing.attempt(sent.job(), sent.attempt());
      if (jobs.size() > 1) {
        span.setAttribute("eventrouter.batch.size", (long) jobs.size());
      }
      underWay.put(sent.job().id(), span);
      first = first == null ? span : first;
    }
    return new DeliveryRequest(jobs, destination, replyTo, JobTracing.traceOf(first));
  }

  /** The client refused the request (nothing was sent): its spans are dropped, never exported. */
  public void notSent(List<DeliveryRequest.Sent> jobs) {
    if (tracing.on()) {
      jobs.forEach(sent -> underWay.remove(sent.job().id()));
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
