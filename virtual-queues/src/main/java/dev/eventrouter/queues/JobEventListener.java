package dev.eventrouter.queues;

import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.PairId;
import java.util.List;

/**
 * Told of the transitions a queue persisted, once they are durable (for metrics). Called on the
 * queue's thread: it must be quick and must not block.
 */
@FunctionalInterface
public interface JobEventListener {

  JobEventListener NONE = (pair, events) -> {};

  void persisted(PairId pair, List<JobEvent> events);
}
