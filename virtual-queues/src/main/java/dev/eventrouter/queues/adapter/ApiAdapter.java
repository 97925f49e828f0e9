package dev.eventrouter.queues.adapter;

import dev.eventrouter.persistence.job.Job;
import java.util.List;
import java.util.Optional;

/**
 * A third-party API: the adapter makes the request from the events and its own settings (endpoint,
 * credentials by reference), and reads the API's answer, per event where the API says which.
 */
public non-sealed interface ApiAdapter extends DestinationAdapter {

  /**
   * Why this job can never go to the API (an event it cannot take), checked before the job goes
   * into a request: the job is discarded with the reason, and the others of its batch go on.
   */
  Optional<String> refuse(Job job);

  /**
   * The request for these jobs, none of them refused.
   *
   * @param secrets where the credentials named in the adapter's settings are looked up, now
   */
  ApiRequest request(List<Job> jobs, SecretLookup secrets);

  /**
   * The names of the secrets its requests carry: the router binds each to the adapter's endpoint,
   * so that a registry change cannot send them elsewhere unacknowledged.
   */
  List<String> secrets();

  /** The most jobs one request may carry. */
  int maxBatch();

  /** The most payload bytes one request may carry: under the API's limit on a request. */
  long maxBatchBytes();

  @Override
  default Batching batching() {
    return new Batching(maxBatch(), maxBatchBytes(), java.time.Duration.ZERO);
  }

  /** The adapter makes the request from its own settings: any jobs of the pair may share one. */
  @Override
  default boolean sameRequest(Job first, Job other) {
    return true;
  }

  /** A secret's value now; throws (and no request is made, the jobs wait) when it is not set. */
  @FunctionalInterface
  interface SecretLookup {
    String value(String name);
  }
}
