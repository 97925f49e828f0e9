package dev.eventrouter.queues.adapter;

import java.time.Duration;
import java.util.Optional;

/** What an answer means for one job of the request. */
public sealed interface JobVerdict {

  /** The destination has it. */
  record Delivered() implements JobVerdict {}

  /**
   * To be sent again, with backoff, or after {@code after} if the destination said when.
   *
   * @param reason why, for the job's trace; null when the status says it all
   */
  record Retry(Optional<Duration> after, String reason) implements JobVerdict {}

  /**
   * The destination refused this job: retrying cannot help.
   *
   * @param reason why, kept with the discarded job
   */
  record Discard(String reason) implements JobVerdict {}

  /**
   * The destination refused the request as a whole, for what may not be this job's fault (a batch
   * too large, or one holding an event it does not name): the job is sent again at once, alone in
   * its request, whose answer is then its own.
   *
   * @param reason why, for the job's trace
   */
  record Split(String reason) implements JobVerdict {}

  JobVerdict DELIVERED = new Delivered();

  static JobVerdict retry(String reason) {
    return new Retry(Optional.empty(), reason);
  }
}
