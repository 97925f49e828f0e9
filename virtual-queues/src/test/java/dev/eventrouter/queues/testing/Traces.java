package dev.eventrouter.queues.testing;

import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.journal.JournalSettings;
import dev.eventrouter.queues.VirtualQueue;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;

/** Reads what a queue wrote to its journal: the execution traces of its jobs. */
public final class Traces {

  private Traces() {}

  public static List<JobEvent> events(ActorSystem<?> system, PairId pair) {
    String persistenceId = VirtualQueue.persistenceId(pair).id();
    CurrentEventsByPersistenceIdQuery query = PersistenceQuery.get(system)
        .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class,
            JournalSettings.fromConfig(system.settings().config()).shardOf(persistenceId).readJournalPluginId());
    return query.currentEventsByPersistenceId(persistenceId, 0, Long.MAX_VALUE)
        .map(EventEnvelope::event)
        .collectType(JobEvent.class)
        .runWith(Sink.seq(), system)
        .toCompletableFuture().join();
  }

  public static List<JobEvent> trace(ActorSystem<?> system, PairId pair, Ksuid jobId) {
    return events(system, pair).stream().filter(e -> e.jobId().equals(jobId)).toList();
  }
}
