package dev.eventrouter.router.metrics;

import dev.eventrouter.persistence.job.PairId;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BinaryOperator;
import java.util.function.Function;

/**
 * How many jobs each queue on this node holds, as the queues report it: the backlog by destination
 * for metrics, and the largest backlogs for operators, without waking a queue.
 */
public final class Backlogs {

  private final Map<PairId, Integer> depths = new ConcurrentHashMap<>();

  void set(PairId pair, int jobs) {
    if (jobs == 0) {
      depths.remove(pair);
    } else {
      depths.put(pair, jobs);
    }
  }

  public Map<String, Long> byDestination() {
    Map<String, Long> sums = new TreeMap<>();
    depths.forEach((pair, jobs) -> sums.merge(pair.destination(), (long) jobs, Long::sum));
    return sums;
  }

  /** The {@code limit} pairs holding the most jobs, most first. */
  public List<Map.Entry<PairId, Integer>> largest(int limit) {
    return depths.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), e.getValue()))
        .sorted(
            Map.Entry.<PairId, Integer>comparingByValue()
                .reversed()
                .thenComparing(e -> e.getKey().entityId()))
        .limit(limit)
        .toList();
  }

  /** The pairs of one destination holding jobs. */
  /** Whether the pair's queue on this node has reported jobs it holds. */
  public boolean holds(PairId pair) {
    return depths.containsKey(pair);
  }

  public Map<PairId, Integer> ofDestination(String destination) {
    Map<PairId, Integer> pairs = new TreeMap<>(Comparator.comparing(PairId::entityId));
    depths.forEach(
        (pair, jobs) -> {
          if (pair.destination().equals(destination)) {
            pairs.put(pair, jobs);
          }
        });
    return pairs;
  }

  /**
   * When the oldest job of each destination's queues here arrived: asks {@code oldestJobOf} each
   * pair that holds jobs (a running queue: none is woken). A pair that does not answer, or answers
   * null (emptied meanwhile), is left out.
   */
  CompletionStage<Map<String, Instant>> oldestJobs(
      Function<PairId, CompletionStage<Instant>> oldestJobOf) {
    List<CompletableFuture<Map.Entry<String, Instant>>> answers =
        depths.keySet().stream()
            .map(
                pair ->
                    oldestJobOf
                        .apply(pair)
                        .toCompletableFuture()
                        .handle(
                            (at, failure) -> at == null ? null : Map.entry(pair.destination(), at)))
            .toList();
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
        .thenApply(
            all -> {
              Map<String, Instant> oldest = new TreeMap<>();
              answers.stream()
                  .map(CompletableFuture::join)
                  .filter(Objects::nonNull)
                  .forEach(
                      answer ->
                          oldest.merge(
                              answer.getKey(),
                              answer.getValue(),
                              BinaryOperator.minBy(Comparator.naturalOrder())));
              return oldest;
            });
  }
}
