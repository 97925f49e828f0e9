package dev.eventrouter.queues.adapter;

import dev.eventrouter.persistence.job.Job;
import java.util.List;

/**
 * What a destination is to the delivery client: how its jobs become a request, and what the answer
 * means for each of them. The queue keeps its semantics (persist, retry with backoff, breaker,
 * isolation, archive): an adapter only maps jobs to a request and a response to per-job verdicts,
 * and never sees the journal.
 *
 * <p>The {@link WebhookAdapter} sends a job as it was accepted (its endpoint, headers and payload);
 * an {@link ApiAdapter} makes the request for a third-party API from the event and its own
 * settings.
 */
public sealed interface DestinationAdapter permits WebhookAdapter, ApiAdapter {

  /** The registry's {@code type} of the destination. */
  String type();

  /** How many jobs one request may carry. */
  Batching batching();

  /**
   * Whether two jobs may go in one request: a webhook's jobs keep the endpoint and headers they
   * were accepted with, so only those alike share a request.
   */
  boolean sameRequest(Job first, Job other);

  /** Whether {@link #classify} reads the response's body; if not, it is read away unseen. */
  boolean readsBody();

  /**
   * What the answer means for each job of the request, in the order of {@code jobs}.
   *
   * @return one verdict per job
   */
  List<JobVerdict> classify(List<Job> jobs, ApiResponse response);
}
