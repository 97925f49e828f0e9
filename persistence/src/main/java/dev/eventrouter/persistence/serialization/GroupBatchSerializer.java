package dev.eventrouter.persistence.serialization;

import dev.eventrouter.persistence.job.GroupBatch;
import dev.eventrouter.persistence.job.PairId;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.ExtendedActorSystem;

/**
 * The journal format of a {@link GroupBatch}: each pair's part as its id and its batch in the
 * {@link JobBatchSerializer} format, prefixed by its length so that a reader can skip the parts of
 * pairs it does not want without decoding them.
 *
 * <pre>
 * group := version(1) count(int) (idLength(int) pairId(utf8) batchLength(int) batch)*
 * </pre>
 *
 * <p>A new version of the format gets a new version byte; every version ever written stays
 * readable.
 */
public final class GroupBatchSerializer extends BinaryFormatSerializer<GroupBatch> {

  public static final int IDENTIFIER = 7304;
  static final String MANIFEST = "group.batch";
  static final int VERSION = 1;

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
    ByteBuffer out = ByteBuffer.allocate(size);
    out.put((byte) VERSION);
    out.putInt(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      out.putInt(ids.get(i).length).put(ids.get(i));
      out.putInt(batches.get(i).length).put(batches.get(i));
    }
    return out.array();
  }

  static GroupBatch read(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    try {
      int version = in.get();
      if (version != VERSION) {
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
      if (in.hasRemaining()) {
        throw new IllegalArgumentException(in.remaining() + " bytes after the last pair");
      }
      return new GroupBatch(pairs);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("a group batch cut short", e);
    }
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
