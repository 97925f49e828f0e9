package dev.eventrouter.queues.adapter;

import dev.eventrouter.persistence.job.Job;
import java.util.Collections;
import java.util.List;

/**
 * The default: each job is POSTed as it was accepted, to its endpoint with its headers (and signed
 * if the destination signs); the status alone judges it: 2xx delivered, 408, 429 and 5xx retried,
 * any other refused. Batched, a request carries several jobs' payloads as a JSON array, and its
 * answer is every job's: a 2xx delivers them all, a retryable failure retries them all; a refusal
 * names no event, so the batch is split: each job is sent again alone, and one refused alone is
 * discarded with its own answer.
 */
public record WebhookAdapter(Batching batching) implements DestinationAdapter {

  public static final String TYPE = "webhook";

  /** One job per request: the webhook as it always was. */
  public static final WebhookAdapter INSTANCE = new WebhookAdapter(Batching.NONE);

  public WebhookAdapter {
    java.util.Objects.requireNonNull(batching, "batching");
  }

  @Override
  public boolean sameRequest(Job first, Job other) {
    return first.endpoint().equals(other.endpoint()) && first.headers().equals(other.headers());
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public boolean readsBody() {
    return false;
  }

  @Override
  public List<JobVerdict> classify(List<Job> jobs, ApiResponse response) {
    JobVerdict verdict =
        response.success()
            ? JobVerdict.DELIVERED
            : response.retryable() || response.status() < 200
                ? new JobVerdict.Retry(response.retryAfter(), null)
                : jobs.size() == 1
                    ? new JobVerdict.Discard(null)
                    : new JobVerdict.Split(
                        "refused the batch of " + jobs.size() + " events: each is sent alone");
    return Collections.nCopies(jobs.size(), verdict);
  }
}
