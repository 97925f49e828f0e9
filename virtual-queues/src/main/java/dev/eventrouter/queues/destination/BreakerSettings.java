package dev.eventrouter.queues.destination;

import java.time.Duration;

/**
 * The circuit breaker of a destination (one per node). It opens when, among the last {@code
 * slidingWindow} attempts (and at least {@code minimumCalls}), the share of retryable failures
 * (5xx, 408, timeouts, connection errors) reaches {@code failureRatePercent}. While open, no
 * request leaves for the destination and no waiting job is charged an attempt; after {@code
 * openFor} it lets {@code halfOpenProbes} requests through, and their outcome closes or reopens it.
 */
public record BreakerSettings(
    float failureRatePercent,
    int slidingWindow,
    int minimumCalls,
    Duration openFor,
    int halfOpenProbes) {

  public BreakerSettings {
    if (failureRatePercent <= 0 || failureRatePercent > 100) {
      throw new IllegalArgumentException("breaker failure-rate must be in (0, 100]");
    }
    if (slidingWindow < 1 || minimumCalls < 1 || halfOpenProbes < 1) {
      throw new IllegalArgumentException(
          "breaker sliding-window, minimum-calls and half-open-probes must be at least 1");
    }
    if (openFor.isNegative() || openFor.isZero()) {
      throw new IllegalArgumentException("breaker open-for must be positive");
    }
  }
}
