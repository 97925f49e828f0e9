package dev.eventrouter.persistence.journal;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Reads jobs back from the journal. A virtual queue keeps only a compact index in memory; the
 * payloads of jobs it still has to deliver are read here after a restart (or a cache miss), from
 * the events that carry them ({@link JobEvent.WithPayload}).
 */
public final class JobPayloads {

  private final CurrentEventsByPersistenceIdQuery queries;
  private final ActorSystem<?> system;

  public JobPayloads(ActorSystem<?> system) {
    this.system = system;
    String plugin = system.settings().config().getString("eventrouter.journal.read-journal-plugin");
    this.queries = PersistenceQuery.get(system)
        .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, plugin);
  }

  /** The jobs among {@code wanted} accepted between the two sequence numbers (inclusive). */
  public CompletionStage<Map<Ksuid, Job>> read(
      String persistenceId, long fromSequenceNr, long toSequenceNr, Set<Ksuid> wanted) {
    return queries.currentEventsByPersistenceId(persistenceId, fromSequenceNr, toSequenceNr)
        .map(EventEnvelope::event)
        .collectType(JobEvent.WithPayload.class)
        .filter(event -> wanted.contains(event.jobId()))
        .map(JobEvent.WithPayload::job)
        .runWith(Sink.fold(new HashMap<Ksuid, Job>(), (found, job) -> {
          found.put(job.id(), job);
          return found;
        }), system)
        .thenApply(Map::copyOf);
  }
}
