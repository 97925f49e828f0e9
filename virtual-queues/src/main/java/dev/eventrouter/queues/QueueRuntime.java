package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.QueueEvent;
import dev.eventrouter.queues.tracing.AttemptSpans;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EffectFactories;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * What the parts of one {@link VirtualQueue} share: whose queue it is, its node's dependencies, the
 * actor's context and timers, the attempts under way (and their spans) and the payloads in memory.
 * Each part keeps its own flags and timers; only what several of them read is here.
 *
 * @param persistenceId the queue's, as its journal rows carry it
 */
record QueueRuntime(
    PairId pair,
    String persistenceId,
    VirtualQueue.Dependencies deps,
    ActorContext<VirtualQueue.Command> context,
    TimerScheduler<VirtualQueue.Command> timers,
    InFlight inFlight,
    AttemptSpans attempts,
    PayloadCache payloads,
    EffectFactories<QueueEvent, QueueState> effects) {

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
  EffectBuilder<QueueEvent, QueueState> persist(List<? extends JobEvent> events) {
    return effects.persist(
        settings().journalFormat() == VirtualQueueSettings.JournalFormat.BATCHED
            ? JournalBatches.of(events, settings().journalEventMaxBytes())
            : List.<QueueEvent>copyOf(events));
  }

  ReplyEffect<QueueEvent, QueueState> noReply() {
    return effects.noReply();
  }

  long nowMillis() {
    return deps.clock().millis();
  }

  Duration delayUntil(long atMillis) {
    return Duration.ofMillis(Math.max(0, atMillis - nowMillis()));
  }
}
