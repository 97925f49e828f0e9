package dev.eventrouter.queues.delivery;

/**
 * Sends jobs to their destinations. Implementations never block the caller (an entity's thread) and
 * answer every accepted request with exactly one {@link DeliveryOutcome}.
 */
public interface DeliveryClient {

  /**
   * Starts the attempt. False when the destination cannot take more requests now: nothing was sent,
   * and the caller tries again later without charging the job an attempt.
   */
  boolean send(DeliveryRequest request);
}
