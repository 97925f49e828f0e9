package dev.eventrouter.persistence.serialization;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.eventrouter.persistence.job.JobEvent;
import java.io.IOException;
import java.io.NotSerializableException;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * The journal format: CBOR (binary JSON) written by Jackson, with a stable name per type as the
 * manifest. Renaming or moving a Java class does not break an existing journal; renaming a field
 * does (keep field names, add new fields with a default: unknown fields are ignored on read so an
 * older node can read what a newer one wrote).
 *
 * <p>{@link #NAMES} is the one mapping between types and their names; it must never reuse or
 * change a name.
 */
public final class JobEventSerializer extends SerializerWithStringManifest {

  /** Serializer ids must be unique in the actor system; 0-40 belong to Pekko. */
  public static final int IDENTIFIER = 7301;

  static final Map<Class<?>, String> NAMES = Map.of(
      JobEvent.AwaitingScheduling.class, "job.awaiting-scheduling",
      JobEvent.Succeeded.class, "job.succeeded",
      JobEvent.Discarded.class, "job.discarded",
      JobEvent.AwaitingRetry.class, "job.awaiting-retry",
      JobEvent.Archiving.class, "job.archiving",
      JobEvent.Archived.class, "job.archived");

  private static final Map<String, Class<?>> TYPES = invert(NAMES);

  private final ObjectMapper mapper = mapper();

  public JobEventSerializer(ExtendedActorSystem system) {}

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    String name = NAMES.get(o.getClass());
    if (name == null) {
      throw new IllegalArgumentException("no stable name for " + o.getClass().getName());
    }
    return name;
  }

  @Override
  public byte[] toBinary(Object o) {
    manifest(o);
    try {
      return mapper.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot serialize " + o.getClass().getName(), e);
    }
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    Class<?> type = TYPES.get(manifest);
    if (type == null) {
      throw new NotSerializableException("unknown event type '" + manifest + "'");
    }
    try {
      return mapper.readValue(bytes, type);
    } catch (IOException e) {
      NotSerializableException failure =
          new NotSerializableException("cannot read a '" + manifest + "': " + e.getMessage());
      failure.initCause(e);
      throw failure;
    }
  }

  private static ObjectMapper mapper() {
    return CBORMapper.builder()
        .addModule(new JavaTimeModule())
        .addModule(new JobJacksonModule())
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .build();
  }

  private static <K, V> Map<V, K> invert(Map<K, V> map) {
    Map<V, K> inverted = new HashMap<>();
    map.forEach((k, v) -> {
      if (inverted.put(v, k) != null) {
        throw new IllegalStateException("serialized name used twice: " + v);
      }
    });
    return Map.copyOf(inverted);
  }
}
