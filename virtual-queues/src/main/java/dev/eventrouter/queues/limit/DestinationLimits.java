package dev.eventrouter.queues.limit;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * One adaptive concurrency limit per destination on this node, shared by all its pairs' queues, as
 * the breakers are ({@link dev.eventrouter.queues.breaker.DestinationBreakers}).
 */
public final class DestinationLimits {

  private final ConcurrencyLimitSettings settings;
  private final LongSupplier nanos;
  private final Map<String, DestinationLimit> limits = new ConcurrentHashMap<>();

  public DestinationLimits(ConcurrencyLimitSettings settings) {
    this(settings, System::nanoTime);
  }

  DestinationLimits(ConcurrencyLimitSettings settings, LongSupplier nanos) {
    this.settings = settings;
    this.nanos = nanos;
  }

  public DestinationLimit of(String destinationId) {
    return limits.computeIfAbsent(destinationId, id -> new DestinationLimit(settings, nanos));
  }

  /** Each destination's current limit on this node, by destination id. */
  public Map<String, Integer> limits() {
    Map<String, Integer> current = new TreeMap<>();
    limits.forEach((id, limit) -> current.put(id, limit.limit()));
    return current;
  }

  /** The requests each destination has under way on this node, by destination id. */
  public Map<String, Integer> inUse() {
    Map<String, Integer> current = new TreeMap<>();
    limits.forEach((id, limit) -> current.put(id, limit.inUse()));
    return current;
  }
}
