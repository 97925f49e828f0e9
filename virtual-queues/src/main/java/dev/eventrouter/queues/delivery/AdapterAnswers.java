package dev.eventrouter.queues.delivery;

import dev.eventrouter.queues.adapter.ApiResponse;
import dev.eventrouter.queues.adapter.DestinationAdapter;
import dev.eventrouter.queues.adapter.JobVerdict;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Turns a response into the attempt's outcome, as the destination's adapter judges it: what every
 * client does with a response, so that they all judge alike.
 */
final class AdapterAnswers {

  private AdapterAnswers() {}

  /** Whether the client keeps the response's body for the adapter, or reads it away. */
  static boolean readsBody(DeliveryRequest request) {
    return request.destination().adapter().readsBody();
  }

  /**
   * @param body the body's first bytes, as the client kept them; empty for an adapter that does not
   *     read it
   */
  static DeliveryOutcome responded(
      DeliveryRequest request,
      Instant startedAt,
      Instant finishedAt,
      int status,
      Optional<Duration> retryAfter,
      byte[] body) {
    DestinationAdapter adapter = request.destination().adapter();
    if (!adapter.readsBody()) {
      // the status decides, as it always did for a webhook
      return DeliveryOutcome.responded(
          request.job().id(), request.attempt(), startedAt, finishedAt, status, retryAfter);
    }
    List<JobVerdict> verdicts =
        adapter.classify(List.of(request.job()), new ApiResponse(status, retryAfter, body));
    return outcome(request, startedAt, finishedAt, status, retryAfter, verdicts.get(0));
  }

  static DeliveryOutcome outcome(
      DeliveryRequest request,
      Instant startedAt,
      Instant finishedAt,
      int status,
      Optional<Duration> retryAfter,
      JobVerdict verdict) {
    DeliveryOutcome.Verdict judged;
    String reason;
    Optional<Duration> after = retryAfter;
    if (verdict instanceof JobVerdict.Retry retry) {
      judged = DeliveryOutcome.Verdict.RETRY;
      reason = retry.reason();
      after = retry.after();
    } else if (verdict instanceof JobVerdict.Discard discard) {
      judged = DeliveryOutcome.Verdict.DISCARDED;
      reason = discard.reason();
    } else {
      judged = DeliveryOutcome.Verdict.SUCCEEDED;
      reason = null;
    }
    return new DeliveryOutcome(
        request.job().id(),
        request.attempt(),
        startedAt,
        finishedAt,
        status,
        null,
        after,
        judged,
        reason);
  }
}
