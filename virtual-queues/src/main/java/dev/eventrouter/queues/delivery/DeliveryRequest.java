package dev.eventrouter.queues.delivery;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.TraceContext;
import dev.eventrouter.queues.destination.DestinationSettings;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One request: an attempt for each of its jobs (one, or a batch of one pair where the destination's
 * adapter batches). Each job's {@link DeliveryOutcome} goes to {@code replyTo}, all of the
 * request's in one message: a batch is answered job by job, each in its own trace.
 *
 * @param trace the span of its first job's attempt (each job's attempt has a span of its own), sent
 *     to the destination as {@code traceparent} and {@code tracestate}; null when tracing is off
 */
public record DeliveryRequest(
    List<Sent> jobs,
    DestinationSettings destination,
    ActorRef<DeliveryOutcomes> replyTo,
    TraceContext trace) {

  /** A job and the number of the attempt this request makes for it. */
  public record Sent(Job job, int attempt) {}

  public DeliveryRequest {
    jobs = List.copyOf(jobs);
    if (jobs.isEmpty()) {
      throw new IllegalArgumentException("a request carries at least one job");
    }
  }

  public DeliveryRequest(
      List<Sent> jobs, DestinationSettings destination, ActorRef<DeliveryOutcomes> replyTo) {
    this(jobs, destination, replyTo, null);
  }

  /** A request for one job. */
  public DeliveryRequest(
      Job job, int attempt, DestinationSettings destination, ActorRef<DeliveryOutcomes> replyTo) {
    this(List.of(new Sent(job, attempt)), destination, replyTo);
  }

  /** The first job: the only one unless the destination batches. */
  public Job job() {
    return jobs.get(0).job();
  }

  /** The first job's attempt. */
  public int attempt() {
    return jobs.get(0).attempt();
  }

  public List<Job> jobList() {
    return jobs.stream().map(Sent::job).toList();
  }

  /** The same request for some of its jobs. */
  DeliveryRequest only(List<Sent> some) {
    return new DeliveryRequest(some, destination, replyTo, trace);
  }
}
