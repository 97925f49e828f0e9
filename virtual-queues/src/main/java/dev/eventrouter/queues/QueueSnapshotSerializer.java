package dev.eventrouter.queues;

import dev.eventrouter.persistence.serialization.StableNameSerializer;
import java.util.Map;
import org.apache.pekko.actor.ExtendedActorSystem;

/** The snapshot store's format of a queue's state: a stable name, CBOR. */
public final class QueueSnapshotSerializer extends StableNameSerializer {

  public static final int IDENTIFIER = 7302;

  public QueueSnapshotSerializer(ExtendedActorSystem system) {
    super(IDENTIFIER, Map.of(QueueSnapshot.class, "queue.snapshot"));
  }
}
