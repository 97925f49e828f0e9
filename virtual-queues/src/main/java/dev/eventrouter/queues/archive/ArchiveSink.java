package dev.eventrouter.queues.archive;

import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Where jobs go that were not delivered before they expired (or were flushed): a durable store from
 * which they can be replayed. A job is marked archived only after the returned stage completes; a
 * failed stage is retried with the same jobs, so writing a job twice must be safe.
 */
@FunctionalInterface
public interface ArchiveSink {

  /**
   * Stores the jobs of one pair; completes with where each one is (for its trace), once all of them
   * are stored.
   */
  CompletionStage<Map<Ksuid, String>> archive(PairId pair, List<ArchivedJob> jobs);
}
