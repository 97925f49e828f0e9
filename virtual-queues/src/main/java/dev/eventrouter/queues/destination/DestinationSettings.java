package dev.eventrouter.queues.destination;

import dev.eventrouter.queues.adapter.DestinationAdapter;
import dev.eventrouter.queues.adapter.WebhookAdapter;
import java.time.Duration;
import java.util.Objects;

/**
 * How the virtual queues deliver to one destination, as seen by one pair (a pair may override the
 * rate). The router's settings registry builds these; a queue looks its settings up again for every
 * dispatch, so a change applies to the next request.
 *
 * @param maxInFlightPerPair requests one (source, destination) pair may have outstanding: one pair
 *     cannot take all of the destination's connections
 * @param ratePerSecond requests per second one pair may send; 0 for no limit
 * @param maxConnections keep-alive connections to one host of this destination (per node)
 * @param timeout how long a request may go without a byte coming back before it counts as a timeout
 * @param expireAfter how long after its creation an undelivered job stops being retried
 * @param signing the keys its requests are signed with, if any; looked up with the rest for each
 *     attempt, so jobs made before signing was turned on are signed too
 * @param adapter what the destination is (a webhook, a third-party API): looked up with the rest
 *     for each attempt, so a change applies to the jobs already queued
 */
public record DestinationSettings(
    String id,
    int maxInFlightPerPair,
    int ratePerSecond,
    int maxConnections,
    Duration timeout,
    RetryPolicy retry,
    Duration expireAfter,
    BreakerSettings breaker,
    WebhookSigning signing,
    DestinationAdapter adapter) {

  /** A destination whose requests are not signed. */
  public DestinationSettings(
      String id,
      int maxInFlightPerPair,
      int ratePerSecond,
      int maxConnections,
      Duration timeout,
      RetryPolicy retry,
      Duration expireAfter,
      BreakerSettings breaker) {
    this(
        id,
        maxInFlightPerPair,
        ratePerSecond,
        maxConnections,
        timeout,
        retry,
        expireAfter,
        breaker,
        WebhookSigning.NONE);
  }

  /** A webhook destination. */
  public DestinationSettings(
      String id,
      int maxInFlightPerPair,
      int ratePerSecond,
      int maxConnections,
      Duration timeout,
      RetryPolicy retry,
      Duration expireAfter,
      BreakerSettings breaker,
      WebhookSigning signing) {
    this(
        id,
        maxInFlightPerPair,
        ratePerSecond,
        maxConnections,
        timeout,
        retry,
        expireAfter,
        breaker,
        signing,
        WebhookAdapter.INSTANCE);
  }

  public DestinationSettings {
    Objects.requireNonNull(signing, "signing");
    Objects.requireNonNull(adapter, "adapter");
    if (signing.signs() && !(adapter instanceof WebhookAdapter)) {
      throw new IllegalArgumentException(
          "destination " + id + ": signing is for webhooks, not type " + adapter.type());
    }
    if (maxInFlightPerPair < 1 || maxConnections < 1) {
      throw new IllegalArgumentException(
          "destination " + id + ": max-in-flight-per-pair and max-connections must be at least 1");
    }
    if (ratePerSecond < 0) {
      throw new IllegalArgumentException(
          "destination " + id + ": rate-per-pair must be 0 (none) or more");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("destination " + id + ": timeout must be positive");
    }
    if (expireAfter.isNegative() || expireAfter.isZero()) {
      throw new IllegalArgumentException("destination " + id + ": expire-after must be positive");
    }
  }

  /** These settings with another in-flight limit for one pair. */
  public DestinationSettings withMaxInFlightPerPair(int maxInFlight) {
    return new DestinationSettings(
        id,
        maxInFlight,
        ratePerSecond,
        maxConnections,
        timeout,
        retry,
        expireAfter,
        breaker,
        signing,
        adapter);
  }

  /** These settings with another adapter. */
  public DestinationSettings withAdapter(DestinationAdapter other) {
    return new DestinationSettings(
        id,
        maxInFlightPerPair,
        ratePerSecond,
        maxConnections,
        timeout,
        retry,
        expireAfter,
        breaker,
        signing,
        other);
  }

  /** These settings with another rate for one pair. */
  public DestinationSettings withRatePerSecond(int rate) {
    return new DestinationSettings(
        id,
        maxInFlightPerPair,
        rate,
        maxConnections,
        timeout,
        retry,
        expireAfter,
        breaker,
        signing,
        adapter);
  }
}
