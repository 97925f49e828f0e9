package dev.eventrouter.queues.delivery;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.http.javadsl.model.ContentType;

/**
 * What one attempt sends, whichever {@link DeliveryClient} sends it, as {@link Routes} made it: the
 * endpoint checked, every header checked (no value holds a line break or another control character)
 * and its secret looked up now. Every request carries {@code Idempotency-Key} (the job id), {@code
 * X-Message-Id} and {@code X-Delivery-Attempt}, so a destination can drop the duplicates that
 * at-least-once delivery allows. Each carries one {@code User-Agent}: the job's, or else the
 * router's ({@link DeliveryClientSettings#userAgent}). A destination that signs adds the {@link
 * WebhookSignature} headers. With tracing on, it carries the attempt's span as {@code traceparent}
 * (and {@code tracestate}).
 *
 * @param target the request target: path and query
 * @param headers the job's headers (less those the HTTP layer writes) and the delivery headers
 */
record OutgoingRequest(
    PoolKey pool, String target, ContentType contentType, List<Header> headers, byte[] body) {

  record Header(String name, String value) {}

  /** A request ready to go, or the reason it cannot be made now. */
  sealed interface Prepared {}

  /**
   * @param sent the jobs it carries: the request's, less those its adapter refused (answered
   *     already)
   */
  record Ready(OutgoingRequest request, DeliveryRequest sent) implements Prepared {}

  /**
   * Answered at once as an attempt that failed with this reason, for each of the jobs; nothing is
   * sent.
   *
   * @param unsent the jobs it is for: the request's, less those its adapter refused (answered
   *     already)
   */
  record NotMade(DeliveryRequest unsent, String reason) implements Prepared {}

  /** Every job was answered already (its adapter refused each): nothing to send. */
  record Answered() implements Prepared {}

  /** Tells the caller at once that the request could not be made, as an attempt that failed. */
  static void answerNotMade(DeliveryRequest request, Clock clock, String reason) {
    Instant now = clock.instant();
    AdapterAnswers.tell(request, AdapterAnswers.failed(request, now, now, reason, null));
  }
}
