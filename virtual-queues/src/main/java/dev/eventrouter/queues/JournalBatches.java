package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.JobBatch;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.QueueEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts job events into {@link JobBatch}es of at most a given weight: one journal row must stay
 * under MariaDB's packet limit, and a huge value costs PostgreSQL a pass of compression.
 */
final class JournalBatches {

  /** A transition without payload: an id, an attempt's numbers and times, a short string. */
  private static final long TRANSITION_WEIGHT = 64;

  private JournalBatches() {}

  /** In order; an event heavier than {@code maxBytes} alone is a batch of its own. */
  static List<QueueEvent> of(List<? extends JobEvent> events, long maxBytes) {
    List<QueueEvent> batches = new ArrayList<>(1);
    List<JobEvent> batch = new ArrayList<>(events.size());
    long bytes = 0;
    for (JobEvent event : events) {
      long weight = weight(event);
      if (!batch.isEmpty() && bytes + weight > maxBytes) {
        batches.add(new JobBatch(batch));
        batch = new ArrayList<>();
        bytes = 0;
      }
      batch.add(event);
      bytes += weight;
    }
    if (!batch.isEmpty()) {
      batches.add(new JobBatch(batch));
    }
    return batches;
  }

  /** The job events in one journal write: what the journal-write metric counts per write. */
  static int jobEvents(List<? extends QueueEvent> write) {
    int events = 0;
    for (QueueEvent event : write) {
      events += event.jobEvents().size();
    }
    return events;
  }

  /** What an event weighs in a batch, as {@link #of} counts it. */
  static long weight(JobEvent event) {
    return event instanceof JobEvent.WithPayload withPayload
        ? EnqueueBatches.weight(withPayload.job())
        : TRANSITION_WEIGHT;
  }

  static long weight(JobBatch batch) {
    long weight = 0;
    for (JobEvent event : batch.events()) {
      weight += weight(event);
    }
    return weight;
  }
}
