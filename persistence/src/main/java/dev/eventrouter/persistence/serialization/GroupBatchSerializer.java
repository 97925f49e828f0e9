package dev.eventrouter.persistence.serialization;

import dev.eventrouter.persistence.job.GroupBatch;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.PersistedRecords;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ExtendedActorSystem;

/**
 * The journal format of a {@link GroupBatch}: each pair's part as its id and its batch in the
 * {@link JobBatchSerializer} format, prefixed by its length so that a reader can skip the parts of
 * pairs it does not want without decoding them.
 *
 * <pre>
 * group     := version(2) count(int) (idLength(int) pairId(utf8) batchLength(int) batch)* persisted
 * persisted := topicIdLength(int) topicId(utf8) partitions(int) (partition(int) below(long))*
 * </pre>
 *
 * <p>A topic id length of -1 is no record (and no partitions follow). Version 1, the same without
 * {@code persisted}, is read as a batch carrying none.
 *
 * <p>A new version of the format gets a new version byte; every version ever written stays
 * readable.
 */
public final class GroupBatchSerializer extends BinaryFormatSerializer<GroupBatch> {

  public static final int IDENTIFIER = 7304;
  static final String MANIFEST = "group.batch";
  static final int VERSION = 2;

  /** The version written before a group batch carried what was persisted of its topic. */
  private static final int WITHOUT_PERSISTED = 1;

  public GroupBatchSerializer(ExtendedActorSystem system) {
    super(IDENTIFIER, MANIFEST, GroupBatch.class, "a group batch");
  }

  @Override
  byte[] encode(GroupBatch group) {
    return write(group);
  }

  @Override
  GroupBatch decode(byte[] bytes) {
    return read(bytes);
  }

  static byte[] write(GroupBatch group) {
    List<byte[]> ids = new ArrayList<>(group.pairs().size());
    List<byte[]> batches = new ArrayList<>(group.pairs().size());
    int size = 1 + Integer.BYTES;
    for (GroupBatch.PairBatch part : group.pairs()) {
      byte[] id = part.pair().entityId().getBytes(StandardCharsets.UTF_8);
      byte[] batch = JobBatchSerializer.write(part.batch());
      ids.add(id);
      batches.add(batch);
      size += 2 * Integer.BYTES + id.length + batch.length;
    }
    PersistedRecords persisted = group.persisted();
    byte[] topicId =
        persisted.topicId() == null ? null : persisted.topicId().getBytes(StandardCharsets.UTF_8);
    size += Integer.BYTES;
    if (topicId != null) {
      size +=
          topicId.length + Integer.BYTES + persisted.below().size() * (Integer.BYTES + Long.BYTES);
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    out.put((byte) VERSION);
    out.putInt(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      out.putInt(ids.get(i).length).put(ids.get(i));
      out.putInt(batches.get(i).length).put(batches.get(i));
    }
    if (topicId == null) {
      out.putInt(-1);
    } else {
      out.putInt(topicId.length).put(topicId);
      out.putInt(persisted.below().size());
      persisted.below().forEach((partition, below) -> out.putInt(partition).putLong(below));
    }
    return out.array();
  }

  static GroupBatch read(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    try {
      int version = in.get();
      if (version != VERSION && version != WITHOUT_PERSISTED) {
        throw new IllegalArgumentException("unknown group batch version " + version);
      }
      int count = in.getInt();
      if (count < 1 || count > in.remaining()) {
        throw new IllegalArgumentException("a group batch of " + count + " pairs");
      }
      List<GroupBatch.PairBatch> pairs = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        PairId pair = PairId.ofEntityId(new String(part(in), StandardCharsets.UTF_8));
        pairs.add(new GroupBatch.PairBatch(pair, JobBatchSerializer.read(part(in))));
      }
      PersistedRecords persisted =
          version == WITHOUT_PERSISTED ? PersistedRecords.NONE : persisted(in);
      if (in.hasRemaining()) {
        throw new IllegalArgumentException(in.remaining() + " bytes after the last pair");
      }
      return new GroupBatch(pairs, persisted);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("a group batch cut short", e);
    }
  }

  private static PersistedRecords persisted(ByteBuffer in) {
    if (in.getInt(in.position()) == -1) {
      in.getInt();
      return PersistedRecords.NONE;
    }
    String topicId = new String(part(in), StandardCharsets.UTF_8);
    int partitions = in.getInt();
    if (partitions < 0 || partitions > in.remaining() / (Integer.BYTES + Long.BYTES)) {
      throw new IllegalArgumentException("a record of " + partitions + " partitions");
    }
    Map<Integer, Long> below = new HashMap<>();
    for (int i = 0; i < partitions; i++) {
      below.put(in.getInt(), in.getLong());
    }
    return new PersistedRecords(topicId, below);
  }

  private static byte[] part(ByteBuffer in) {
    int length = in.getInt();
    if (length < 0 || length > in.remaining()) {
      throw new IllegalArgumentException(
          "a part of " + length + " bytes, " + in.remaining() + " left");
    }
    byte[] part = new byte[length];
    in.get(part);
    return part;
  }
}
