package dev.eventrouter.loadtest.audit;

import dev.eventrouter.loadtest.produce.EventProducer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Accounts for every acknowledged (messageId, destination) of a run: delivered (how many times),
 * discarded (with the class of its refusal), archived, or lost. Nothing else is allowed: a lost job
 * fails the run.
 */
public final class Audit {

  /** The outcome of one destination's jobs. */
  public record Accounting(
      long jobs, long delivered, long duplicates, long discarded, long archived, long lost) {}

  /**
   * @param byDestination each destination's accounting
   * @param discardedByClass why the discarded jobs were refused
   * @param lostSample the first lost jobs, as {@code destination/messageId}, up to 100
   */
  public record Result(
      long produced,
      long producerFailures,
      Accounting total,
      Map<String, Accounting> byDestination,
      Map<String, Long> discardedByClass,
      List<String> lostSample) {

    public boolean passed() {
      return total.lost() == 0 && producerFailures == 0;
    }
  }

  /** What the black hole and the archive tell. */
  public record Evidence(
      Map<String, Map<String, Integer>> delivered,
      Map<String, Set<String>> rejected,
      Map<String, Set<String>> archived) {}

  private Audit() {}

  /**
   * @param routes each source's destinations
   * @param evidence what arrived where; a job that was delivered and also archived or rejected
   *     counts as delivered
   */
  public static Result audit(
      EventProducer.Result produced, Function<String, List<String>> routes, Evidence evidence) {
    Map<String, long[]> counts = new TreeMap<>();
    long discardedRejected = 0;
    List<String> lost = new ArrayList<>();
    for (EventProducer.Produced event : produced.produced()) {
      for (String destination : routes.apply(event.source())) {
        // jobs, delivered, duplicates, discarded, archived, lost
        long[] c = counts.computeIfAbsent(destination, d -> new long[6]);
        c[0]++;
        Integer times =
            evidence.delivered().getOrDefault(destination, Map.of()).get(event.messageId());
        if (times != null) {
          c[1]++;
          c[2] += times - 1;
        } else if (evidence
            .rejected()
            .getOrDefault(destination, Set.of())
            .contains(event.messageId())) {
          c[3]++;
          discardedRejected++;
        } else if (evidence
            .archived()
            .getOrDefault(destination, Set.of())
            .contains(event.messageId())) {
          c[4]++;
        } else {
          c[5]++;
          if (lost.size() < 100) {
            lost.add(destination + "/" + event.messageId());
          }
        }
      }
    }
    Map<String, Accounting> byDestination = new LinkedHashMap<>();
    long[] total = new long[6];
    counts.forEach(
        (destination, c) -> {
          byDestination.put(destination, new Accounting(c[0], c[1], c[2], c[3], c[4], c[5]));
          for (int i = 0; i < 6; i++) {
            total[i] += c[i];
          }
        });
    Map<String, Long> discardedByClass =
        discardedRejected == 0 ? Map.of() : Map.of("rejected (HTTP 400)", discardedRejected);
    return new Result(
        produced.sent(),
        produced.failed(),
        new Accounting(total[0], total[1], total[2], total[3], total[4], total[5]),
        byDestination,
        discardedByClass,
        List.copyOf(lost));
  }
}
