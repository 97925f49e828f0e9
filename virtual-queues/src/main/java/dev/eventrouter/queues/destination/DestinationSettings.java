package dev.eventrouter.queues.destination;

import java.time.Duration;

/**
 * How the virtual queues deliver to one destination. The router's settings registry builds these
 * from its file; a queue looks its destination up again for every dispatch, so a change applies to
 * the next request.
 *
 * @param maxInFlightPerPair requests one (source, destination) pair may have outstanding: one pair
 *     cannot take all of the destination's connections
 * @param maxConnections keep-alive connections to one host of this destination (per node)
 * @param timeout how long a request may go without a byte coming back before it counts as a timeout
 * @param expireAfter how long after its creation an undelivered job stops being retried
 */
public record DestinationSettings(
    String id,
    int maxInFlightPerPair,
    int maxConnections,
    Duration timeout,
    RetryPolicy retry,
    Duration expireAfter) {

  public DestinationSettings {
    if (maxInFlightPerPair < 1 || maxConnections < 1) {
      throw new IllegalArgumentException(
          "destination " + id + ": max-in-flight-per-pair and max-connections must be at least 1");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("destination " + id + ": timeout must be positive");
    }
  }
}
