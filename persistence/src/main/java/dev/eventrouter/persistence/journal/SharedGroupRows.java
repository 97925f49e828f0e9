package dev.eventrouter.persistence.journal;

import dev.eventrouter.persistence.job.GroupBatch;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Reads a queue group's row once for the many pairs whose jobs it holds. A pair of a group reads
 * its jobs back from the group's rows, each carrying the jobs of hundreds of pairs: read and
 * decoded per pair, a row of a megabyte cost every one of its pairs a megabyte. Reads of one row
 * (the usual read of a group's pair: its jobs of one write) share one query while it is under way,
 * and the last {@code capacity} group rows read stay decoded, indexed by job ({@link GroupRow}),
 * for the reads that come after.
 *
 * <p>Only group rows stay: a pair's own rows are read by that pair alone. A row is never written
 * again under its sequence number, so a decoded one stays true until it is deleted, and a job read
 * from a deleted row is one whose queue no longer holds it. Thread-safe: the node's queues read
 * through one instance.
 */
final class SharedGroupRows implements JobPayloads.Rows {

  private record Key(String persistenceId, long sequenceNr) {}

  /**
   * A group's row as its readers get it: its events by job, so that a pair's read of its few jobs
   * does not go through every job of the row.
   */
  static final class GroupRow {
    private final GroupBatch batch;
    private final Map<Ksuid, List<JobEvent>> byJob = new HashMap<>();

    GroupRow(GroupBatch batch) {
      this.batch = batch;
      for (GroupBatch.PairBatch part : batch.pairs()) {
        for (JobEvent event : part.batch().events()) {
          byJob.computeIfAbsent(event.jobId(), id -> new ArrayList<>(1)).add(event);
        }
      }
    }

    GroupBatch batch() {
      return batch;
    }

    /** The job's events in the row, in order; empty when it has none there. */
    List<JobEvent> eventsOf(Ksuid jobId) {
      return byJob.getOrDefault(jobId, List.of());
    }
  }

  private final JobPayloads.Rows rows;
  private final int capacity;

  /** Rows read or being read, least recently asked first. */
  private final LinkedHashMap<Key, CompletableFuture<Object>> recent;

  SharedGroupRows(JobPayloads.Rows rows, int capacity) {
    this.rows = rows;
    this.capacity = capacity;
    this.recent =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Key, CompletableFuture<Object>> eldest) {
            return size() > SharedGroupRows.this.capacity;
          }
        };
  }

  @Override
  public CompletionStage<?> read(String persistenceId, List<long[]> ranges, JobPayloads.Row row) {
    List<long[]> others = new ArrayList<>();
    Map<Long, CompletableFuture<Object>> single = new TreeMap<>();
    for (long[] range : ranges) {
      if (range[0] == range[1]) {
        single.put(range[0], one(persistenceId, range[0]));
      } else {
        others.add(range);
      }
    }
    if (single.isEmpty()) {
      return rows.read(persistenceId, ranges, row);
    }
    // every row handed over in sequence order, whichever query brought it
    TreeMap<Long, Object> read = new TreeMap<>();
    CompletionStage<?> rest =
        others.isEmpty()
            ? CompletableFuture.completedFuture(null)
            : rows.read(
                persistenceId,
                others,
                (sequenceNr, event) -> {
                  synchronized (read) {
                    read.put(sequenceNr, event);
                  }
                });
    return CompletableFuture.allOf(single.values().toArray(CompletableFuture[]::new))
        .thenCombine(rest, (all, done) -> null)
        .thenRun(
            () -> {
              single.forEach(
                  (sequenceNr, event) -> {
                    Object found = event.join();
                    if (found != null) {
                      read.put(sequenceNr, found);
                    }
                  });
              read.forEach(row::take);
            });
  }

  /** The row at that sequence number (null if there is none), read once for every asker. */
  private CompletableFuture<Object> one(String persistenceId, long sequenceNr) {
    Key key = new Key(persistenceId, sequenceNr);
    CompletableFuture<Object> mine;
    synchronized (recent) {
      CompletableFuture<Object> theirs = recent.get(key);
      if (theirs != null) {
        return theirs;
      }
      mine = new CompletableFuture<>();
      recent.put(key, mine);
    }
    Object[] found = new Object[1];
    rows.read(
            persistenceId,
            List.<long[]>of(new long[] {sequenceNr, sequenceNr}),
            (nr, event) ->
                found[0] = event instanceof GroupBatch group ? new GroupRow(group) : event)
        .whenComplete(
            (done, failure) -> {
              if (failure != null || !(found[0] instanceof GroupRow)) {
                // a failure is not kept for later reads, nor a row only its own queue reads
                synchronized (recent) {
                  recent.remove(key, mine);
                }
              }
              if (failure != null) {
                mine.completeExceptionally(failure);
              } else {
                mine.complete(found[0]);
              }
            });
    return mine;
  }
}
