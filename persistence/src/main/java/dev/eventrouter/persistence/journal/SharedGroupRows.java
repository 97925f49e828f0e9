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
 * (the usual read of a group's pair: its jobs of one write) share the query that brings it while it
 * is under way, and the last {@code capacity} group rows read stay decoded, indexed by job ({@link
 * GroupRow}), for the reads that come after.
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

  /**
   * One query, as without sharing, for what no other read brings: the ranges, and the single rows
   * neither kept nor being read. Single rows another read brings are waited for instead.
   */
  @Override
  public CompletionStage<?> read(String persistenceId, List<long[]> ranges, JobPayloads.Row row) {
    List<long[]> query = new ArrayList<>();
    Map<Long, CompletableFuture<Object>> mine = new TreeMap<>();
    Map<Long, CompletableFuture<Object>> theirs = new TreeMap<>();
    synchronized (recent) {
      for (long[] range : ranges) {
        if (range[0] != range[1]) {
          query.add(range);
          continue;
        }
        Key key = new Key(persistenceId, range[0]);
        CompletableFuture<Object> shared = recent.get(key);
        if (shared != null) {
          theirs.put(range[0], shared);
        } else {
          CompletableFuture<Object> reading = new CompletableFuture<>();
          recent.put(key, reading);
          mine.put(range[0], reading);
          query.add(range);
        }
      }
    }
    // every row handed over in sequence order, whichever read brought it
    TreeMap<Long, Object> read = new TreeMap<>();
    CompletableFuture<Void> queried =
        query.isEmpty()
            ? CompletableFuture.completedFuture(null)
            : rows.read(
                    persistenceId,
                    query,
                    (sequenceNr, event) -> {
                      Object kept =
                          event instanceof GroupBatch group && mine.containsKey(sequenceNr)
                              ? new GroupRow(group)
                              : event;
                      synchronized (read) {
                        read.put(sequenceNr, kept);
                      }
                    })
                .toCompletableFuture()
                .thenApply(done -> null);
    queried.whenComplete((done, failure) -> settle(persistenceId, mine, read, failure));
    List<CompletableFuture<?>> all = new ArrayList<>(theirs.values());
    all.add(queried);
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenRun(
            () -> {
              theirs.forEach(
                  (sequenceNr, shared) -> {
                    Object event = shared.join();
                    if (event != null) {
                      read.put(sequenceNr, event);
                    }
                  });
              read.forEach(row::take);
            });
  }

  /**
   * Hands the single rows this read brought to the reads waiting for them; keeps the group rows
   * among them, and neither a failure nor a row only its own queue reads.
   */
  private void settle(
      String persistenceId,
      Map<Long, CompletableFuture<Object>> mine,
      Map<Long, Object> read,
      Throwable failure) {
    mine.forEach(
        (sequenceNr, reading) -> {
          Object event;
          synchronized (read) {
            event = read.get(sequenceNr);
          }
          if (failure != null || !(event instanceof GroupRow)) {
            synchronized (recent) {
              recent.remove(new Key(persistenceId, sequenceNr), reading);
            }
          }
          if (failure != null) {
            reading.completeExceptionally(failure);
          } else {
            reading.complete(event);
          }
        });
  }
}
