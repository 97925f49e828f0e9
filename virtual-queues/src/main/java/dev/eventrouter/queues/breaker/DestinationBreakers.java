package dev.eventrouter.queues.breaker;

import dev.eventrouter.queues.destination.BreakerSettings;
import dev.eventrouter.queues.destination.DestinationSettings;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.util.Map;
import java.util.TreeMap;

/**
 * One circuit breaker per destination on this node, shared by all its pairs' queues: when a
 * destination is down, every pair stops sending to it, and a few probes decide when it is back.
 */
public final class DestinationBreakers {

  private final CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();

  public CircuitBreaker of(DestinationSettings destination) {
    return registry.circuitBreaker(destination.id(), () -> config(destination.breaker()));
  }

  /** The state of each destination's breaker on this node, by destination id. */
  public Map<String, CircuitBreaker.State> states() {
    Map<String, CircuitBreaker.State> states = new TreeMap<>();
    registry
        .getAllCircuitBreakers()
        .forEach(breaker -> states.put(breaker.getName(), breaker.getState()));
    return states;
  }

  private static CircuitBreakerConfig config(BreakerSettings settings) {
    return CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(settings.slidingWindow())
        .minimumNumberOfCalls(settings.minimumCalls())
        .failureRateThreshold(settings.failureRatePercent())
        .waitDurationInOpenState(settings.openFor())
        .permittedNumberOfCallsInHalfOpenState(settings.halfOpenProbes())
        // failures are reported by the queue with onError: no exception types to classify
        .recordExceptions(Throwable.class)
        .build();
  }
}
