package dev.eventrouter.queues.delivery;

import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.DiscardOrigin;
import dev.eventrouter.persistence.job.Ksuid;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What one attempt came to.
 *
 * @param status the HTTP status, or 0 when no response came
 * @param error the failure class when no response came, else null
 * @param retryAfter the destination's {@code Retry-After}, if it sent one
 * @param judged the verdict of the destination's adapter, which read the answer (an API that names
 *     the events it refused); null: the status decides
 * @param reason the adapter's reason, kept in the trace and with a discarded job; or null
 */
public record DeliveryOutcome(
    Ksuid jobId,
    int attempt,
    Instant startedAt,
    Instant finishedAt,
    int status,
    String error,
    Optional<Duration> retryAfter,
    Verdict judged,
    String reason) {

  /** An outcome the status decides. */
  public DeliveryOutcome(
      Ksuid jobId,
      int attempt,
      Instant startedAt,
      Instant finishedAt,
      int status,
      String error,
      Optional<Duration> retryAfter) {
    this(jobId, attempt, startedAt, finishedAt, status, error, retryAfter, null, null);
  }

  /** What the queue does with a job after this outcome. */
  public enum Verdict {
    SUCCEEDED,
    /** Retrying cannot help: the destination refused this job (4xx other than 408 and 429). */
    DISCARDED,
    RETRY,
    /**
     * Sent again at once, alone in its request: the destination refused a batch as a whole, which
     * says nothing yet of this job.
     */
    SPLIT
  }

  public static DeliveryOutcome responded(
      Ksuid jobId,
      int attempt,
      Instant startedAt,
      Instant finishedAt,
      int status,
      Optional<Duration> retryAfter) {
    return new DeliveryOutcome(jobId, attempt, startedAt, finishedAt, status, null, retryAfter);
  }

  public static DeliveryOutcome failed(
      Ksuid jobId, int attempt, Instant startedAt, Instant finishedAt, String error) {
    return new DeliveryOutcome(jobId, attempt, startedAt, finishedAt, 0, error, Optional.empty());
  }

  /** The request could not even be made (for example an endpoint that is not a URL). */
  public static final String INVALID_REQUEST = "invalid-request";

  /**
   * The endpoint resolved to an address deliveries may not reach (loopback, private, link-local,
   * ...: see {@link AddressPolicy}). Retrying cannot help until the allowlist changes.
   */
  public static final String ADDRESS_REFUSED = "address-refused";

  /**
   * The destination's adapter refused the event before sending it: the API cannot take it (the
   * reason says why). Discarded.
   */
  public static final String INVALID_EVENT = "invalid-event";

  /**
   * A header refers to a secret that is not set (yet): retried, so that the job goes once an
   * operator provides it.
   */
  public static final String SECRET_MISSING = "secret-missing";

  /**
   * A header's secret is there but cannot be sent: its file cannot be read, or its value holds a
   * line break, another control character or a character that is not ASCII. Retried, so that the
   * job goes once an operator fixes it.
   */
  public static final String SECRET_INVALID = "secret-invalid";

  public Verdict verdict() {
    if (judged != null) {
      return judged;
    }
    if (status == 0) {
      return INVALID_REQUEST.equals(error)
              || ADDRESS_REFUSED.equals(error)
              || INVALID_EVENT.equals(error)
          ? Verdict.DISCARDED
          : Verdict.RETRY;
    }
    if (status >= 200 && status < 300) {
      return Verdict.SUCCEEDED;
    }
    if (status == 408 || status == 429 || status >= 500) {
      return Verdict.RETRY;
    }
    // 1xx never ends a request; 3xx is not followed (the redirect target is not checked)
    return Verdict.DISCARDED;
  }

  /** What an attempt tells of the destination's health: for its breaker, and the pair's rate. */
  public enum Signal {
    /** It answered, with a 2xx or a refusal of this job (a 4xx): it is up. */
    HEALTHY,
    /** No answer, or one that asks for a retry (408, 5xx): counted against it. */
    FAILING,
    /** 429: this tenant sends too fast; nothing about the destination's health. */
    THROTTLED,
    /** The request was never made (an invalid request, a refused address): nothing learnt. */
    NOT_SENT
  }

  /**
   * Derived from the {@link #verdict}, so the two never disagree; from the status when an adapter
   * judged the answer: a 400 that names one bad event of a batch says the destination is up.
   */
  public Signal signal() {
    if (status == 429) {
      return Signal.THROTTLED;
    }
    if (judged != null && status != 0) {
      return status == 408 || status >= 500 ? Signal.FAILING : Signal.HEALTHY;
    }
    return switch (verdict()) {
      case SUCCEEDED -> Signal.HEALTHY;
      case RETRY -> Signal.FAILING;
      // only an adapter splits, on an answer: the destination is up
      case SPLIT -> Signal.HEALTHY;
      case DISCARDED -> origin() == DiscardOrigin.SYSTEM ? Signal.NOT_SENT : Signal.HEALTHY;
    };
  }

  public Attempt toAttempt() {
    return new Attempt(attempt, startedAt, finishedAt, status, error != null ? error : reason);
  }

  /** Who decided, when the verdict is {@link Verdict#DISCARDED}. */
  public DiscardOrigin origin() {
    return status == 0 ? DiscardOrigin.SYSTEM : DiscardOrigin.CUSTOMER;
  }

  /**
   * The answer in a few words, as a trace and an operator see it: {@code HTTP 503}, or the failure
   * class when no response came.
   */
  public String describe() {
    if (status == 0) {
      return reason == null ? error : error + ": " + reason;
    }
    return reason == null ? "HTTP " + status : "HTTP " + status + ": " + reason;
  }
}
