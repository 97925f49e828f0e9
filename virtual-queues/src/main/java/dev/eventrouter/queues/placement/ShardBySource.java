package dev.eventrouter.queues.placement;

import dev.eventrouter.persistence.job.PairId;
import java.util.function.ToIntFunction;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;

/**
 * A pair's queue is in the shard of its source: every queue a source feeds lives together, and with
 * {@code shardOfSource} being the source's Kafka partition, in the shard whose node consumes that
 * partition ({@link ConsumerAllocation}), so ingest's asks stay on the node.
 *
 * <p>It takes any message, not only envelopes, and names no entity for what is not an envelope.
 * Pekko's shard asks the extractor about every message it does not know itself, its own included:
 * when a {@code StartEntity} arrives while the shard is writing a remembered start (queues moving
 * to a new shard after the topic grew, several at once), the shard writes twice and the second
 * write's {@code UpdateDone} reaches it idle. An extractor typed on envelopes fails that with a
 * {@link ClassCastException}, the shard restarts, and every queue in it stops mid-delivery and
 * sends its in-flight requests again (Pekko issue 3410).
 *
 * @param <M> the queue's protocol
 */
public final class ShardBySource<M> extends ShardingMessageExtractor<Object, M> {

  /** An entity's shard, by its id; null for a group, whose id is its shard's. */
  private final ToIntFunction<String> shardOfSource;

  /**
   * @param shardOfSource must give every node of the cluster the same answer for a source
   */
  public ShardBySource(ToIntFunction<String> shardOfSource) {
    this.shardOfSource = shardOfSource;
  }

  /**
   * For entities that are each a whole shard, a source's shard being its queue group (whose id,
   * made by the sender with the same {@code shardOfSource}, is the shard's).
   */
  public static <M> ShardBySource<M> groups() {
    return new ShardBySource<>(null);
  }

  /** The envelope's entity, or {@code null} (not a queue's message) for anything else. */
  @Override
  public String entityId(Object message) {
    return message instanceof ShardingEnvelope<?> envelope ? envelope.entityId() : null;
  }

  @Override
  public String shardId(String entityId) {
    if (shardOfSource == null) {
      return entityId;
    }
    return Integer.toString(shardOfSource.applyAsInt(PairId.ofEntityId(entityId).source()));
  }

  @Override
  @SuppressWarnings("unchecked")
  public M unwrapMessage(Object message) {
    return ((ShardingEnvelope<M>) message).message();
  }
}
