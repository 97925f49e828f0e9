package dev.eventrouter.queues.delivery;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.TraceContext;
import dev.eventrouter.queues.destination.DestinationSettings;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One attempt to deliver a job; its {@link DeliveryOutcome} goes to {@code replyTo}.
 *
 * @param trace the attempt's span, sent to the destination as {@code traceparent} and {@code
 *     tracestate}; null when tracing is off
 */
public record DeliveryRequest(
    Job job,
    int attempt,
    DestinationSettings destination,
    ActorRef<DeliveryOutcome> replyTo,
    TraceContext trace) {

  public DeliveryRequest(
      Job job, int attempt, DestinationSettings destination, ActorRef<DeliveryOutcome> replyTo) {
    this(job, attempt, destination, replyTo, null);
  }
}
