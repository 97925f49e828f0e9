package dev.eventrouter.persistence.serialization;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.NotSerializableException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * The format of everything the router stores: CBOR (binary JSON) written by Jackson, with a stable
 * name per type as the manifest. Renaming or moving a Java class does not break an existing
 * journal; renaming a field does (keep field names, add new fields with a default: unknown fields
 * are ignored on read, so an older node can read what a newer one wrote).
 *
 * <p>A subclass gives its identifier and its one mapping between types and names, which must never
 * reuse or change a name.
 */
public abstract class StableNameSerializer extends SerializerWithStringManifest {

  private static final ObjectMapper MAPPER =
      CBORMapper.builder()
          .addModule(new JavaTimeModule())
          .addModule(new JobJacksonModule())
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  private final int identifier;
  private final Map<Class<?>, String> names;
  private final Map<String, Class<?>> types;

  protected StableNameSerializer(int identifier, Map<Class<?>, String> names) {
    this.identifier = identifier;
    this.names = Map.copyOf(names);
    this.types = invert(names);
  }

  @Override
  public int identifier() {
    return identifier;
  }

  /** Every name it reads and writes: each has a golden file in the tests of its module. */
  public Set<String> names() {
    return types.keySet();
  }

  @Override
  public String manifest(Object o) {
    String name = names.get(o.getClass());
    if (name == null) {
      throw new IllegalArgumentException("no stable name for " + o.getClass().getName());
    }
    return name;
  }

  @Override
  public byte[] toBinary(Object o) {
    manifest(o);
    try {
      return MAPPER.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot serialize " + o.getClass().getName(), e);
    }
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    Class<?> type = types.get(manifest);
    if (type == null) {
      throw new NotSerializableException("unknown type '" + manifest + "'");
    }
    try {
      return MAPPER.readValue(bytes, type);
    } catch (IOException e) {
      NotSerializableException failure =
          new NotSerializableException("cannot read a '" + manifest + "': " + e.getMessage());
      failure.initCause(e);
      throw failure;
    }
  }

  private static Map<String, Class<?>> invert(Map<Class<?>, String> names) {
    Map<String, Class<?>> inverted = new HashMap<>();
    names.forEach(
        (type, name) -> {
          if (inverted.put(name, type) != null) {
            throw new IllegalStateException("serialized name used twice: " + name);
          }
        });
    return Map.copyOf(inverted);
  }
}
