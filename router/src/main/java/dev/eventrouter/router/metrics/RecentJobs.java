package dev.eventrouter.router.metrics;

import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
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

  private final Map<PairId, LinkedHashMap<Ksuid, Recent>> byPair =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<PairId, LinkedHashMap<Ksuid, Recent>> e) {
          return size() > PAIRS;
        }
      };

  /**
   * Told of every write of every queue: only what it keeps costs more than a look. Of a write's new
   * jobs, those that more than {@link #PER_PAIR} newer ones of the same write push out are not
   * looked at, and a later step is looked at only for a job kept. A write of steps alone, of a pair
   * not kept, keeps nothing and pushes no other pair out.
   */
  synchronized void persisted(PairId pair, List<JobEvent> events) {
    LinkedHashMap<Ksuid, Recent> jobs = byPair.get(pair);
    if (jobs == null) {
      if (events.stream().noneMatch(JobEvent.WithPayload.class::isInstance)) {
        return;
      }
      jobs =
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Ksuid, Recent> eldest) {
              return size() > PER_PAIR;
            }
          };
      byPair.put(pair, jobs);
    }
    int pushedOut = -PER_PAIR;
    for (JobEvent event : events) {
      if (event instanceof JobEvent.AwaitingScheduling) {
        pushedOut++;
      }
    }
    for (JobEvent event : events) {
      boolean arriving = event instanceof JobEvent.WithPayload;
      if (event instanceof JobEvent.AwaitingScheduling && pushedOut-- > 0
          || !arriving && !jobs.containsKey(event.jobId())) {
        continue;
      }
      List<Transition> steps = Transition.of(List.of(event));
      if (steps.isEmpty()) {
        continue;
      }
      Transition last = steps.get(steps.size() - 1);
      // a job arriving pushes the oldest out; a later step keeps the job's place, and does not
      // bring back one pushed out
      jobs.put(event.jobId(), new Recent(event.jobId().toString(), last.state(), last.at()));
    }
  }

  /** The pair's latest jobs here, newest first; empty if none was seen lately. */
  public synchronized List<Recent> of(PairId pair) {
    LinkedHashMap<Ksuid, Recent> jobs = byPair.get(pair);
    if (jobs == null) {
      return List.of();
    }
    List<Recent> newestFirst = new ArrayList<>(jobs.values());
    Collections.reverse(newestFirst);
    return newestFirst;
  }
}
