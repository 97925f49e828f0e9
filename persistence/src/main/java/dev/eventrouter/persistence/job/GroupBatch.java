package dev.eventrouter.persistence.job;

import java.util.ArrayList;
import java.util.List;

/**
 * The job events of many queues in one journal event: what a queue group, one actor running the
 * queues of a shard's pairs, writes of everything its pairs asked since its last write. One row and
 * one sequence number, the group's, for all of them; each pair's part applies to that pair's queue
 * only. A job's id is unique across pairs, so what reads jobs back by id reads a group's rows as it
 * reads a pair's.
 *
 * <p>It may carry what the ingest had told the group was persisted of its topic when it was
 * written: a group is a Kafka partition's queues, and with this record, journaled, a group
 * restarted refuses a record read again below those offsets whatever its pairs remember.
 *
 * @param persisted {@link PersistedRecords#NONE} when the write had nothing new to tell
 */
public record GroupBatch(List<PairBatch> pairs, PersistedRecords persisted) implements QueueEvent {

  /** One pair's part of a group's write, in the order the pair asked for it. */
  public record PairBatch(PairId pair, JobBatch batch) {}

  public GroupBatch(List<PairBatch> pairs) {
    this(pairs, PersistedRecords.NONE);
  }

  public GroupBatch {
    persisted = persisted == null ? PersistedRecords.NONE : persisted;
    pairs = List.copyOf(pairs);
    if (pairs.isEmpty()) {
      throw new IllegalArgumentException("a group batch carries at least one pair's events");
    }
  }

  @Override
  public List<JobEvent> jobEvents() {
    List<JobEvent> events = new ArrayList<>();
    for (PairBatch pair : pairs) {
      events.addAll(pair.batch().events());
    }
    return events;
  }

  @Override
  public String toString() {
    // never the payloads: customer data
    return "GroupBatch[" + pairs.size() + " pairs]";
  }
}
