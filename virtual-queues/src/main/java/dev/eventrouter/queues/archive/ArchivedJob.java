package dev.eventrouter.queues.archive;

import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobEvent;
import java.util.List;

/**
 * A job on its way to the archive, with its trace: the events from the one that carries its payload
 * to its {@link JobEvent.Archiving}, in journal order (attempts made before a carry-forward are in
 * the {@link JobEvent.CarriedForward} event).
 */
public record ArchivedJob(Job job, List<JobEvent> trace) {

  public ArchivedJob {
    trace = List.copyOf(trace);
  }
}
