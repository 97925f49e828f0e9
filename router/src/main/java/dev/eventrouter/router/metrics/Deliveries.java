package dev.eventrouter.router.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Attempts that succeeded and failed on this node since it started, by destination: the operators'
 * console derives delivered/s and the error rate from two looks (the Prometheus counters are not by
 * destination, to keep their label sets small).
 */
public final class Deliveries {

  /** Attempts of one destination, counted since this node started. */
  public record Counts(long delivered, long failed) {}

  private record Tally(LongAdder delivered, LongAdder failed) {}

  private final Map<String, Tally> byDestination = new ConcurrentHashMap<>();

  void delivered(String destination) {
    tally(destination).delivered().increment();
  }

  void failed(String destination) {
    tally(destination).failed().increment();
  }

  private Tally tally(String destination) {
    return byDestination.computeIfAbsent(
        destination, d -> new Tally(new LongAdder(), new LongAdder()));
  }

  /** Of each destination that had an attempt here. */
  public Map<String, Counts> counts() {
    Map<String, Counts> counts = new TreeMap<>();
    byDestination.forEach(
        (destination, tally) ->
            counts.put(destination, new Counts(tally.delivered().sum(), tally.failed().sum())));
    return counts;
  }
}
