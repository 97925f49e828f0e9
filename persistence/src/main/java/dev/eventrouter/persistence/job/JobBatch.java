package dev.eventrouter.persistence.job;

import java.util.List;

/**
 * Many job events of one queue in one journal event: the jobs a queue accepted from one ingest
 * batch, the outcomes of one flush, one batch of an operator's lever. One row and one sequence
 * number for all of them, written atomically like any event; they are applied in order, all at that
 * sequence number, which is then where each job's payload or transition is read back from.
 *
 * <p>Rows, not bytes, are what a journal pays for: writing a row per job cost about two thirds of
 * the router's CPU. Stored in a compact binary form ({@code JobBatchSerializer}).
 */
public record JobBatch(List<JobEvent> events) implements QueueEvent {

  public JobBatch {
    events = List.copyOf(events);
    if (events.isEmpty()) {
      throw new IllegalArgumentException("a job batch carries at least one job event");
    }
  }

  @Override
  public List<JobEvent> jobEvents() {
    return events;
  }

  @Override
  public String toString() {
    // never the payloads: customer data
    return "JobBatch[" + events.size() + " job events]";
  }
}
