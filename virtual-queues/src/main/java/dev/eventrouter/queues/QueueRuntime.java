package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.QueueEvent;
import dev.eventrouter.queues.tracing.AttemptSpans;
import java.time.Duration;
import java.util.List;

/**
 * What the parts of one queue share: whose queue it is, its node's dependencies, the actor that
 * runs it (its messages to itself, timers and log), the attempts under way (and their spans) and
 * the payloads in memory. Each part keeps its own flags and timers; only what several of them read
 * is here.
 *
 * @param persistenceId the queue's, as its journal rows carry it
 */
record QueueRuntime(
    PairId pair,
    String persistenceId,
    VirtualQueue.Dependencies deps,
    QueueHost host,
    InFlight inFlight,
    AttemptSpans attempts,
    PayloadCache payloads) {

  /**
   * How long a queue whose destination is not in the registry (removed meanwhile, or not yet there)
   * holds its jobs before it looks again.
   */
  static final Duration UNCONFIGURED_RECHECK = Duration.ofMinutes(1);

  VirtualQueueSettings settings() {
    return deps.settings();
  }

  /**
   * The journal write of these job events, atomic: in the batched format one event carrying them
   * all (several if they weigh more than journal-event-max-bytes), else one event each, as versions
   * before batches wrote.
   */
  QueueEffect persist(List<? extends JobEvent> events) {
    return QueueEffect.persist(
        settings().journalFormat() == VirtualQueueSettings.JournalFormat.BATCHED
            ? JournalBatches.of(events, settings().journalEventMaxBytes())
            : List.<QueueEvent>copyOf(events));
  }

  long nowMillis() {
    return deps.clock().millis();
  }

  /**
   * The delay of a timer for {@code atMillis}: at most a day. Pekko's scheduler refuses a delay
   * over about 248 days (its ticks in an int), and the actor would fail; a queue that waits longer
   * (an expire-after of a year) wakes once a day, finds nothing due and sets its timer again.
   */
  Duration delayUntil(long atMillis) {
    return Duration.ofMillis(Math.min(MAX_TIMER_MILLIS, Math.max(0, atMillis - nowMillis())));
  }

  private static final long MAX_TIMER_MILLIS = Duration.ofDays(1).toMillis();
}
