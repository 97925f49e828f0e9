package dev.eventrouter.queues.testing;

import dev.eventrouter.persistence.job.GroupBatch;
import dev.eventrouter.persistence.job.JobBatch;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.QueueEvent;
import dev.eventrouter.persistence.journal.JournalSettings;
import dev.eventrouter.queues.QueueGroup;
import dev.eventrouter.queues.VirtualQueue;
import java.util.ArrayList;
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
    return events(system, pair, 0);
  }

  /** The job events of the pair's journal rows from sequence number {@code from} on. */
  public static List<JobEvent> events(ActorSystem<?> system, PairId pair, long from) {
    return rows(system, pair, from).stream().flatMap(row -> row.jobEvents().stream()).toList();
  }

  /**
   * The pair's journal events (rows) from sequence number {@code from} on, in order; in the layout
   * {@code groups}, the rows of its group that it has a part in, each as its part.
   */
  public static List<QueueEvent> rows(ActorSystem<?> system, PairId pair, long from) {
    if (TestQueues.inGroups(system)) {
      return journal(system, QueueGroup.persistenceId(TestQueues.groupOf(pair.source())).id(), from)
          .stream()
          .<QueueEvent>mapMulti(
              (row, parts) -> {
                List<JobEvent> part = new ArrayList<>();
                for (GroupBatch.PairBatch batch : ((GroupBatch) row).pairs()) {
                  if (batch.pair().equals(pair)) {
                    part.addAll(batch.batch().events());
                  }
                }
                if (!part.isEmpty()) {
                  parts.accept(new JobBatch(part));
                }
              })
          .toList();
    }
    return journal(system, VirtualQueue.persistenceId(pair).id(), from);
  }

  /** The journal events of any persistence id from sequence number {@code from} on, in order. */
  public static List<QueueEvent> journal(ActorSystem<?> system, String persistenceId, long from) {
    CurrentEventsByPersistenceIdQuery query =
        PersistenceQuery.get(system)
            .getReadJournalFor(
                CurrentEventsByPersistenceIdQuery.class,
                JournalSettings.fromConfig(system.settings().config())
                    .shardOf(persistenceId)
                    .readJournalPluginId());
    return query
        .currentEventsByPersistenceId(persistenceId, from, Long.MAX_VALUE)
        .map(EventEnvelope::event)
        .collectType(QueueEvent.class)
        .runWith(Sink.seq(), system)
        .toCompletableFuture()
        .join();
  }

  public static List<JobEvent> trace(ActorSystem<?> system, PairId pair, Ksuid jobId) {
    return events(system, pair).stream().filter(e -> e.jobId().equals(jobId)).toList();
  }
}
