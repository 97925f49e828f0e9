package dev.eventrouter.router.metrics;

import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.Transition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The jobs that arrived last in the pairs most recently busy on this node, each with its last step:
 * where an operator finds a job to trace. Bounded ({@link #PAIRS} pairs, {@link #PER_PAIR} jobs
 * each), so that tens of thousands of pairs do not keep it growing.
 */
public final class RecentJobs {

  static final int PAIRS = 1000;
  static final int PER_PAIR = 10;

  /** A job and its latest step as persisted. */
  public record Recent(String id, String state, Instant at) {}

  private final Map<PairId, LinkedHashMap<String, Recent>> byPair =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<PairId, LinkedHashMap<String, Recent>> e) {
          return size() > PAIRS;
        }
      };

  synchronized void persisted(PairId pair, List<JobEvent> events) {
    LinkedHashMap<String, Recent> jobs =
        byPair.computeIfAbsent(
            pair,
            p ->
                new LinkedHashMap<>() {
                  @Override
                  protected boolean removeEldestEntry(Map.Entry<String, Recent> eldest) {
                    return size() > PER_PAIR;
                  }
                });
    for (JobEvent event : events) {
      List<Transition> steps = Transition.of(List.of(event));
      if (steps.isEmpty()) {
        continue;
      }
      Transition last = steps.get(steps.size() - 1);
      String id = event.jobId().toString();
      Recent recent = new Recent(id, last.state(), last.at());
      if (event instanceof JobEvent.WithPayload) {
        // a job arriving: it pushes the oldest out
        jobs.put(id, recent);
      } else {
        // a later step keeps the job's place, and does not bring back one pushed out
        jobs.computeIfPresent(id, (key, before) -> recent);
      }
    }
  }

  /** The pair's latest jobs here, newest first; empty if none was seen lately. */
  public synchronized List<Recent> of(PairId pair) {
    LinkedHashMap<String, Recent> jobs = byPair.get(pair);
    if (jobs == null) {
      return List.of();
    }
    List<Recent> newestFirst = new ArrayList<>(jobs.values());
    Collections.reverse(newestFirst);
    return newestFirst;
  }
}
