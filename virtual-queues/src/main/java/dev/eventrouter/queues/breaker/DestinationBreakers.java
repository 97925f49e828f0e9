package dev.eventrouter.queues.breaker;

import dev.eventrouter.queues.destination.BreakerSettings;
import dev.eventrouter.queues.destination.DestinationSettings;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One circuit breaker per destination on this node, shared by all its pairs' queues: when a
 * destination is down, every pair stops sending to it, and a few probes decide when it is back.
 *
 * <p>A breaker is made again, closed, when its destination's breaker settings change (a registry
 * replaced at run time): the settings apply from the next attempt, as the README promises. An open
 * breaker turns half-open by itself once its open time is over, so that one no queue asks any more
 * (its destination's jobs all gone) does not stay reported open.
 */
public final class DestinationBreakers {

  private record Built(CircuitBreaker breaker, BreakerSettings settings) {}

  private final Map<String, Built> breakers = new ConcurrentHashMap<>();

  /**
   * The destination's breaker as its settings are now, made again if they changed. Only a caller
   * holding settings read now asks this (a dispatch pass): one holding settings from before (an
   * outcome of a request sent before the change) would put the old breaker back, and the two would
   * replace each other, each time with an empty window.
   */
  public CircuitBreaker of(DestinationSettings destination) {
    BreakerSettings settings = destination.breaker();
    Built built = breakers.get(destination.id());
    if (built != null && built.settings().equals(settings)) {
      return built.breaker();
    }
    return breakers
        .compute(
            destination.id(),
            (id, was) ->
                was != null && was.settings().equals(settings)
                    ? was
                    : new Built(CircuitBreaker.of(id, config(settings)), settings))
        .breaker();
  }

  /**
   * The destination's breaker as it is, whatever settings the caller holds: where an answer is told
   * (to the breaker its request's permission came from, or the one that replaced it), or a state
   * read. Made with those settings only when there is none.
   */
  public CircuitBreaker current(DestinationSettings destination) {
    Built built = breakers.get(destination.id());
    return built != null ? built.breaker() : of(destination);
  }

  /** The state of each destination's breaker on this node, by destination id. */
  public Map<String, CircuitBreaker.State> states() {
    Map<String, CircuitBreaker.State> states = new TreeMap<>();
    breakers.forEach((id, built) -> states.put(id, built.breaker().getState()));
    return states;
  }

  private static CircuitBreakerConfig config(BreakerSettings settings) {
    return CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(settings.slidingWindow())
        .minimumNumberOfCalls(settings.minimumCalls())
        .failureRateThreshold(settings.failureRatePercent())
        .waitDurationInOpenState(settings.openFor())
        .automaticTransitionFromOpenToHalfOpenEnabled(true)
        .permittedNumberOfCallsInHalfOpenState(settings.halfOpenProbes())
        // failures are reported by the queue with onError: no exception types to classify
        .recordExceptions(Throwable.class)
        .build();
  }
}
