package dev.eventrouter.queues.delivery;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.queues.destination.DestinationSettings;
import org.apache.pekko.actor.typed.ActorRef;

/** One attempt to deliver a job; its {@link DeliveryOutcome} goes to {@code replyTo}. */
public record DeliveryRequest(
    Job job, int attempt, DestinationSettings destination, ActorRef<DeliveryOutcome> replyTo) {}
