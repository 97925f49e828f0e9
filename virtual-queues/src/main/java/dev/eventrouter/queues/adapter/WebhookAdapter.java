package dev.eventrouter.queues.adapter;

import dev.eventrouter.persistence.job.Job;
import java.util.Collections;
import java.util.List;

/**
 * The default: each job is POSTed as it was accepted, to its endpoint with its headers (and signed
 * if the destination signs); the status alone judges it: 2xx delivered, 408, 429 and 5xx retried,
 * any other refused.
 */
public record WebhookAdapter() implements DestinationAdapter {

  public static final String TYPE = "webhook";

  public static final WebhookAdapter INSTANCE = new WebhookAdapter();

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
                : new JobVerdict.Discard(null);
    return Collections.nCopies(jobs.size(), verdict);
  }
}
