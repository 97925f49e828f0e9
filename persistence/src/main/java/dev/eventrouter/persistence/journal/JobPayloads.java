package dev.eventrouter.persistence.journal;

import dev.eventrouter.persistence.job.GroupBatch;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.QueueEvent;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Reads jobs back from the journal. A virtual queue keeps only a compact index in memory; the
 * payloads of jobs it still has to deliver are read here after a restart (or a cache miss), from
 * the events that carry them ({@link JobEvent.WithPayload}), alone or in a batch.
 */
public final class JobPayloads {

  /**
   * Sequence numbers closer than this are read in one range query; farther apart, in separate ones,
   * so that a few jobs far apart never make a query read everything between them.
   */
  static final long MAX_GAP = 64;

  /** Where a read's rows come from: the journal's tables, or a read journal. */
  interface Rows {

    /**
     * Hands each row within the ranges (inclusive, ascending) to {@code row}, in sequence order. A
     * row that cannot be deserialized fails the read, with the serializer's exception among the
     * failure's causes.
     */
    CompletionStage<?> read(String persistenceId, List<long[]> ranges, Row row);
  }

  /** Takes one journal row: its sequence number and its event. */
  interface Row {
    void take(long sequenceNr, Object event);
  }

  private final Rows rows;

  private final ActorSystem<?> system;

  /**
   * Reads the JDBC journal's tables, each persistence id in the shard {@link
   * JournalSettings#shardOf} places it in.
   */
  public JobPayloads(ActorSystem<?> system) {
    this(system, new JdbcJournalRows(system));
  }

  /**
   * Reads every persistence id from one read journal, of another plugin than the JDBC journal's:
   * Pekko's in-memory one, under a test of one queue.
   */
  public static JobPayloads over(
      ActorSystem<?> system, CurrentEventsByPersistenceIdQuery readJournal) {
    return new JobPayloads(
        system,
        (persistenceId, ranges, row) -> {
          Source<EventEnvelope, NotUsed> envelopes = Source.empty();
          for (long[] range : ranges) {
            envelopes =
                envelopes.concat(
                    readJournal.currentEventsByPersistenceId(persistenceId, range[0], range[1]));
          }
          return envelopes.runForeach(
              envelope -> row.take(envelope.sequenceNr(), envelope.event()), system);
        });
  }

  /**
   * Queue groups' rows kept decoded after a read, for their other pairs' reads: at most a megabyte
   * each (journal-event-max-bytes, by default).
   */
  static final int GROUP_ROWS_KEPT = 16;

  private JobPayloads(ActorSystem<?> system, Rows rows) {
    this.system = system;
    this.rows = new SharedGroupRows(rows, GROUP_ROWS_KEPT);
  }

  /** The jobs among {@code wanted} whose payloads are at these sequence numbers. */
  public CompletionStage<Map<Ksuid, Job>> read(
      String persistenceId, SortedSet<Long> sequenceNrs, Set<Ksuid> wanted) {
    return readEvents(persistenceId, sequenceNrs, wanted)
        .thenApply(
            found -> {
              Map<Ksuid, Job> jobs = new HashMap<>();
              found
                  .events()
                  .forEach(
                      (id, trace) -> {
                        Job job = payloadOf(trace);
                        if (job != null) {
                          jobs.put(id, job);
                        }
                      });
              return Map.copyOf(jobs);
            });
  }

  /**
   * What a read back found.
   *
   * @param events per job among those wanted, its events in journal order
   * @param unreadable the sequence numbers asked for whose rows are there but cannot be
   *     deserialized (corrupt bytes, an unknown serializer or type): reading them again cannot
   *     help, unlike a failed query
   * @param rows the journal rows read, each deserialized whole (a batch's every job), among them
   *     rows between those asked for that the read did not skip
   */
  public record Found(Map<Ksuid, List<JobEvent>> events, SortedSet<Long> unreadable, int rows) {
    public Found {
      events = Map.copyOf(events);
      unreadable = new TreeSet<>(unreadable);
    }
  }

  /** The job as the latest payload event of a trace carries it; null when it has none. */
  public static Job payloadOf(List<JobEvent> trace) {
    Job job = null;
    for (JobEvent event : trace) {
      if (event instanceof JobEvent.WithPayload withPayload) {
        job = withPayload.job();
      }
    }
    return job;
  }

  /**
   * The events of the jobs among {@code wanted} at these sequence numbers, per job in journal
   * order: a job's payload and the transitions after it, its trace. A row that cannot be
   * deserialized fails the query it is in; then each sequence number is read alone, so that one bad
   * row spoils only itself ({@link Found#unreadable}). Any other failure fails the read.
   */
  public CompletionStage<Found> readEvents(
      String persistenceId, SortedSet<Long> sequenceNrs, Set<Ksuid> wanted) {
    return readRanges(persistenceId, ranges(sequenceNrs), sequenceNrs, wanted)
        .thenApply(read -> new Found(read.events, new TreeSet<>(), read.rows))
        .exceptionallyCompose(
            failure ->
                isUnreadable(failure)
                    ? readOneByOne(persistenceId, sequenceNrs, wanted)
                    : CompletableFuture.failedStage(failure));
  }

  private CompletionStage<Found> readOneByOne(
      String persistenceId, SortedSet<Long> sequenceNrs, Set<Ksuid> wanted) {
    Gathered all = new Gathered();
    SortedSet<Long> unreadable = new TreeSet<>();
    return Source.from(sequenceNrs)
        .mapAsync(
            1,
            nr ->
                readRanges(persistenceId, List.of(new long[] {nr, nr}), sequenceNrs, wanted)
                    .handle(
                        (found, failure) -> {
                          if (failure == null) {
                            all.rows += found.rows;
                            found.events.forEach(
                                (id, trace) ->
                                    all.events
                                        .computeIfAbsent(id, k -> new ArrayList<>())
                                        .addAll(trace));
                          } else if (isUnreadable(failure)) {
                            unreadable.add(nr);
                          } else {
                            throw new IllegalStateException(
                                "reading event " + nr + " of " + persistenceId + " failed",
                                failure);
                          }
                          return nr;
                        }))
        .runWith(Sink.ignore(), system)
        .thenApply(done -> new Found(all.events, unreadable, all.rows));
  }

  /** A row whose bytes cannot be turned back into an event, as opposed to a query that failed. */
  public static boolean isUnreadable(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof NotSerializableException) {
        return true;
      }
    }
    return false;
  }

  /** What a read gathered: the wanted jobs' events, and the rows it read (each decoded whole). */
  private static final class Gathered {
    final Map<Ksuid, List<JobEvent>> events = new HashMap<>();
    int rows;
  }

  private CompletionStage<Gathered> readRanges(
      String persistenceId, List<long[]> ranges, SortedSet<Long> sequenceNrs, Set<Ksuid> wanted) {
    Gathered gathered = new Gathered();
    return rows.read(
            persistenceId,
            ranges,
            (sequenceNr, event) -> {
              gathered.rows++;
              if (sequenceNrs.contains(sequenceNr)) {
                if (event instanceof SharedGroupRows.GroupRow row) {
                  for (Ksuid id : wanted) {
                    List<JobEvent> events = row.eventsOf(id);
                    if (!events.isEmpty()) {
                      gathered.events.computeIfAbsent(id, k -> new ArrayList<>()).addAll(events);
                    }
                  }
                  return;
                }
                for (JobEvent jobEvent : jobEvents(event)) {
                  if (wanted.contains(jobEvent.jobId())) {
                    gathered
                        .events
                        .computeIfAbsent(jobEvent.jobId(), id -> new ArrayList<>())
                        .add(jobEvent);
                  }
                }
              }
            })
        .thenApply(done -> gathered);
  }

  /**
   * A queue group's row whole, for all the pairs whose jobs it holds (a group reading its log back
   * in order); empty when the row is gone or holds no group's events. A row that cannot be
   * deserialized fails the read with the serializer's exception among its causes ({@link
   * #isUnreadable}).
   */
  public CompletionStage<Optional<GroupBatch>> groupRow(String persistenceId, long sequenceNr) {
    List<GroupBatch> found = new ArrayList<>(1);
    return rows.read(
            persistenceId,
            List.<long[]>of(new long[] {sequenceNr, sequenceNr}),
            (nr, event) -> {
              if (event instanceof SharedGroupRows.GroupRow row) {
                found.add(row.batch());
              } else if (event instanceof GroupBatch batch) {
                found.add(batch);
              }
            })
        .thenApply(done -> found.stream().findFirst());
  }

  /**
   * The events of one job between two sequence numbers (inclusive), in journal order: the trace of
   * a finished job, as far as the journal still holds it.
   */
  public CompletionStage<List<JobEvent>> eventsOf(
      String persistenceId, long from, long to, Ksuid id) {
    List<JobEvent> events = new ArrayList<>();
    return rows.read(
            persistenceId,
            List.<long[]>of(new long[] {from, to}),
            (sequenceNr, event) -> {
              for (JobEvent jobEvent : jobEvents(event)) {
                if (jobEvent.jobId().equals(id)) {
                  events.add(jobEvent);
                }
              }
            })
        .thenApply(done -> List.copyOf(events));
  }

  /** The job events a journal row carries: one, a batch's, or a group's. */
  private static List<JobEvent> jobEvents(Object event) {
    if (event instanceof SharedGroupRows.GroupRow row) {
      return row.batch().jobEvents();
    }
    return event instanceof QueueEvent queueEvent ? queueEvent.jobEvents() : List.of();
  }

  /** Runs of sequence numbers, split where two lie more than {@link #MAX_GAP} apart. */
  static List<long[]> ranges(SortedSet<Long> sequenceNrs) {
    List<long[]> ranges = new ArrayList<>();
    long[] current = null;
    for (long nr : sequenceNrs) {
      if (current != null && nr - current[1] <= MAX_GAP) {
        current[1] = nr;
      } else {
        current = new long[] {nr, nr};
        ranges.add(current);
      }
    }
    return ranges;
  }
}
