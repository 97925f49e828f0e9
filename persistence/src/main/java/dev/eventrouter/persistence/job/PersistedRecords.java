package dev.eventrouter.persistence.job;

import java.util.HashMap;
import java.util.Map;

/**
 * What the ingest knows is persisted: per partition of its topic, the offset below which every
 * record's jobs are in their queues. The offsets hold for one incarnation of the topic, named by
 * Kafka's topic id: a topic deleted and made again, or moved to another cluster, counts its offsets
 * from zero again, and offsets of the old one would refuse its records.
 *
 * @param topicId Kafka's id of the topic the offsets are of; null when not known, and then the
 *     offsets tell nothing
 * @param below per partition, the offset below which every record's jobs are persisted
 */
public record PersistedRecords(String topicId, Map<Integer, Long> below) {

  /** Nothing known: jobs are checked against the ones their queue holds or remembers. */
  public static final PersistedRecords NONE = new PersistedRecords(null, Map.of());

  public PersistedRecords {
    below = topicId == null || below == null ? Map.of() : Map.copyOf(below);
  }

  /**
   * What this and a later telling know together: each partition's higher offset; of another
   * incarnation of the topic, the later alone (the old one's records are gone). This one itself
   * when the later adds nothing.
   */
  public PersistedRecords and(PersistedRecords later) {
    if (later.topicId == null || later.equals(this)) {
      return this;
    }
    if (!later.topicId.equals(topicId)) {
      return later;
    }
    Map<Integer, Long> both = new HashMap<>(below);
    later.below.forEach((partition, offset) -> both.merge(partition, offset, Math::max));
    return both.equals(below) ? this : new PersistedRecords(topicId, both);
  }
}
