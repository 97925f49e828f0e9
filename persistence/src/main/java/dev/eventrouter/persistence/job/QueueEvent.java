package dev.eventrouter.persistence.job;

import java.util.List;

/**
 * What a virtual queue writes to its journal: one row, one sequence number. Either a single {@link
 * JobEvent} (the format of every journal written before batches, still read), a {@link JobBatch} of
 * many, or a {@link GroupBatch} of many queues' batches.
 */
public sealed interface QueueEvent permits JobEvent, JobBatch, GroupBatch {

  /** The job events this journal event carries, in the order they are applied. */
  List<JobEvent> jobEvents();
}
