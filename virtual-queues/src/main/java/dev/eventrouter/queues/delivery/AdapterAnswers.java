package dev.eventrouter.queues.delivery;

import dev.eventrouter.queues.adapter.ApiResponse;
import dev.eventrouter.queues.adapter.DestinationAdapter;
import dev.eventrouter.queues.adapter.JobVerdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns a request's answer into an outcome per job, as the destination's adapter judges it: what
 * every client does with a response or a failure, so that they all answer alike, a batch job by
 * job.
 */
final class AdapterAnswers {

  private AdapterAnswers() {}

  /** Whether the client keeps the response's body for the adapter, or reads it away. */
  static boolean readsBody(DeliveryRequest request) {
    return request.destination().adapter().readsBody();
  }

  /** Tells the caller each job's outcome, in one message. */
  static void tell(DeliveryRequest request, List<DeliveryOutcome> outcomes) {
    request.replyTo().tell(new DeliveryOutcomes(outcomes));
  }

  /** No response came (or the request was not made): every job's attempt failed alike. */
  static List<DeliveryOutcome> failed(
      DeliveryRequest request, Instant startedAt, Instant finishedAt, String error, String detail) {
    List<DeliveryOutcome> outcomes = new ArrayList<>(request.jobs().size());
    for (DeliveryRequest.Sent sent : request.jobs()) {
      outcomes.add(
          new DeliveryOutcome(
              sent.job().id(),
              sent.attempt(),
              startedAt,
              finishedAt,
              0,
              error,
              Optional.empty(),
              null,
              detail));
    }
    return outcomes;
  }

  /**
   * @param body the body's first bytes, as the client kept them; empty for an adapter that does not
   *     read it
   */
  static List<DeliveryOutcome> responded(
      DeliveryRequest request,
      Instant startedAt,
      Instant finishedAt,
      int status,
      Optional<Duration> retryAfter,
      byte[] body) {
    DestinationAdapter adapter = request.destination().adapter();
    if (request.jobs().size() == 1 && !adapter.readsBody()) {
      // the status decides, as it always did for a webhook
      return List.of(
          DeliveryOutcome.responded(
              request.job().id(), request.attempt(), startedAt, finishedAt, status, retryAfter));
    }
    List<JobVerdict> verdicts =
        adapter.classify(request.jobList(), new ApiResponse(status, retryAfter, body));
    List<DeliveryOutcome> outcomes = new ArrayList<>(verdicts.size());
    for (int i = 0; i < request.jobs().size(); i++) {
      outcomes.add(
          outcome(
              request.jobs().get(i), startedAt, finishedAt, status, retryAfter, verdicts.get(i)));
    }
    return outcomes;
  }

  private static DeliveryOutcome outcome(
      DeliveryRequest.Sent sent,
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
    } else if (verdict instanceof JobVerdict.Split split) {
      judged = DeliveryOutcome.Verdict.SPLIT;
      reason = split.reason();
      after = Optional.of(Duration.ZERO);
    } else if (verdict instanceof JobVerdict.Discard discard) {
      judged = DeliveryOutcome.Verdict.DISCARDED;
      reason = discard.reason();
    } else {
      judged = DeliveryOutcome.Verdict.SUCCEEDED;
      reason = null;
    }
    return new DeliveryOutcome(
        sent.job().id(),
        sent.attempt(),
        startedAt,
        finishedAt,
        status,
        null,
        after,
        judged,
        reason == null ? null : reasonText(reason));
  }

  /** The most characters of a destination's words an outcome keeps. */
  static final int MAX_REASON_CHARS = 256;

  /**
   * A reason as an adapter read it from the destination's answer, which the destination writes: it
   * is journaled with every retry and shown to operators, so it is kept short and on one line.
   */
  static String reasonText(String reason) {
    StringBuilder text = new StringBuilder(Math.min(reason.length(), MAX_REASON_CHARS + 1));
    for (int i = 0; i < reason.length() && text.length() < MAX_REASON_CHARS; i++) {
      char c = reason.charAt(i);
      text.append(Character.isISOControl(c) ? ' ' : c);
    }
    if (reason.length() > MAX_REASON_CHARS) {
      // not half a character: a lone surrogate is no text an encoder need take (Jackson's CBOR
      // refuses it)
      if (Character.isHighSurrogate(text.charAt(text.length() - 1))) {
        text.setLength(text.length() - 1);
      }
      text.append('\u2026');
    }
    return text.toString();
  }
}
