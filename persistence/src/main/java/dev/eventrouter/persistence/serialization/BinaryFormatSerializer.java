package dev.eventrouter.persistence.serialization;

import java.io.NotSerializableException;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * A stored type in a compact binary format of its own, under one stable manifest. Bytes that are
 * not the format, or a manifest it does not know, are a {@link NotSerializableException}: a row
 * that cannot be read, which its readers tell apart from a query that failed.
 *
 * @param <T> the type it stores
 */
abstract class BinaryFormatSerializer<T> extends SerializerWithStringManifest {

  private final int identifier;
  private final String manifest;
  private final Class<T> type;
  private final String name;

  /**
   * @param name what it stores, as its errors say it ("a job batch")
   */
  BinaryFormatSerializer(int identifier, String manifest, Class<T> type, String name) {
    this.identifier = identifier;
    this.manifest = manifest;
    this.type = type;
    this.name = name;
  }

  abstract byte[] encode(T value);

  /** Throws a runtime exception on bytes that are not the format. */
  abstract T decode(byte[] bytes);

  @Override
  public final int identifier() {
    return identifier;
  }

  @Override
  public final String manifest(Object o) {
    return manifest;
  }

  @Override
  public final byte[] toBinary(Object o) {
    if (!type.isInstance(o)) {
      throw new IllegalArgumentException("not " + name + ": " + o.getClass().getName());
    }
    return encode(type.cast(o));
  }

  @Override
  public final Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    if (!this.manifest.equals(manifest)) {
      throw new NotSerializableException("unknown type '" + manifest + "'");
    }
    try {
      return decode(bytes);
    } catch (RuntimeException e) {
      NotSerializableException failure =
          new NotSerializableException("cannot read " + name + ": " + e.getMessage());
      failure.initCause(e);
      throw failure;
    }
  }
}
