package dev.eventrouter.queues.delivery;

/**
 * Sends jobs to their destinations. Implementations never block the caller (an entity's thread) and
 * answer every job of every accepted request with exactly one {@link DeliveryOutcome}, told in
 * {@link DeliveryOutcomes} messages: all of a request's in one, which may carry other requests' of
 * the same caller too.
 */
public interface DeliveryClient {

  /**
   * Starts the attempt. False when the destination cannot take more requests now: nothing was sent,
   * and the caller tries again later without charging the job an attempt.
   */
  boolean send(DeliveryRequest request);
}
