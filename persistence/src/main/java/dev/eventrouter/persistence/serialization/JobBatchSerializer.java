package dev.eventrouter.persistence.serialization;

import dev.eventrouter.persistence.job.Attempt;
import dev.eventrouter.persistence.job.DiscardOrigin;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.JobBatch;
import dev.eventrouter.persistence.job.JobEvent;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.RecordPosition;
import dev.eventrouter.persistence.job.TraceContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ExtendedActorSystem;

/**
 * The journal format of a {@link JobBatch}: compact binary, no field names. A batch holds hundreds
 * of jobs of one pair that share their endpoint and headers, so strings (pair ids, endpoints,
 * header names and values, reasons, errors) are written once in a table and referred to by index,
 * and header maps likewise; a message id, unique to its job, is written in place, where the table
 * would cost a lookup per job and an index for nothing. Numbers are varints; times are epoch
 * milliseconds (the precision the router schedules with), an expiry as its distance from the
 * creation time.
 *
 * <pre>
 * batch    := version(1) strings headerMaps count event*
 * strings  := n (len utf8)*            headerMaps := n (pairs (key value)*)*   (string indexes)
 * event    := tag id(20 bytes) fields  (tags and fields: see {@link Tag})
 * job      := source destination (len utf8 of messageId) endpoint headerMap payloadLength
 *             payload createdAt expiry flags [replayOf(20 bytes)] [partition offset]
 *             [orderingKey(8 bytes, big-endian)] [(len utf8 of traceparent) tracestate]
 *             (flags: {@link #REPLAY_OF}, {@link #POSITION}, {@link #ORDERING_KEY}, {@link #TRACE})
 * </pre>
 *
 * <p>A new version of the format gets a new version byte; every version ever written stays
 * readable. A new optional job field gets a new flag instead: what was written without it reads as
 * before (a node of an earlier version refuses a job with a flag it does not know, loudly).
 */
public final class JobBatchSerializer extends BinaryFormatSerializer<JobBatch> {

  public static final int IDENTIFIER = 7303;
  static final String MANIFEST = "job.batch";
  static final int VERSION = 1;

  /** A job's flag: the id of the archived job it replays follows. */
  private static final int REPLAY_OF = 1;

  /** A job's flag: the partition and offset of the Kafka record it was made from follow. */
  private static final int POSITION = 2;

  /** A job's flag: its ordering key's hash follows (a hash: eight bytes, not a varint). */
  private static final int ORDERING_KEY = 4;

  /**
   * A job's flag: its trace context follows, the traceparent in place (unique to the job), the
   * tracestate (null or shared) from the table. A job without one costs nothing more; a node of a
   * version before it cannot read a batch holding one (unknown flag): roll all nodes before tracing
   * is turned on.
   */
  private static final int TRACE = 8;

  /** The kinds of job event, as written: never renumber. */
  private enum Tag {
    /** job */
    AWAITING_SCHEDULING,
    /** attempt */
    SUCCEEDED,
    /** attempt reason origin */
    DISCARDED,
    /** attempt retryAt */
    AWAITING_RETRY,
    /** at */
    RETRY_REQUESTED,
    /** at reason */
    ARCHIVING,
    /** at location */
    ARCHIVED,
    /** job attempts */
    CARRIED_FORWARD;

    private static final Tag[] ALL = values();
  }

  public JobBatchSerializer(ExtendedActorSystem system) {
    super(IDENTIFIER, MANIFEST, JobBatch.class, "a job batch");
  }

  @Override
  byte[] encode(JobBatch batch) {
    return write(batch);
  }

  @Override
  JobBatch decode(byte[] bytes) {
    return read(bytes);
  }

  // ---- writing ----

  static byte[] write(JobBatch batch) {
    Writer body = new Writer(sizeOf(batch));
    for (JobEvent event : batch.events()) {
      body.event(event);
    }
    Writer head = new Writer(64 + 16 * body.strings.size());
    head.write(VERSION);
    head.varint(body.strings.size());
    for (String s : body.strings.keySet()) {
      head.inline(s);
    }
    head.varint(body.headerMaps.size());
    for (int[] map : body.headerMaps.values()) {
      head.varint(map.length / 2);
      for (int index : map) {
        head.varint(index);
      }
    }
    head.varint(batch.events().size());
    byte[] bytes = Arrays.copyOf(head.buf, head.count + body.count);
    System.arraycopy(body.buf, 0, bytes, head.count, body.count);
    return bytes;
  }

  /** Room for the events of a batch, so that its payloads are copied once and not regrown. */
  private static int sizeOf(JobBatch batch) {
    long size = 0;
    for (JobEvent event : batch.events()) {
      size += 64;
      if (event instanceof JobEvent.WithPayload withPayload) {
        size += withPayload.job().payload().length + withPayload.job().messageId().length() * 3L;
      }
    }
    return (int) Math.min(size, Integer.MAX_VALUE - 16);
  }

  /**
   * A growable buffer and the tables the events refer to. Not a ByteArrayOutputStream: its methods
   * are synchronized, and a batch writes a lock's worth of single bytes per job.
   */
  private static final class Writer {
    final Map<String, Integer> strings = new LinkedHashMap<>();

    /** Each header map to its strings' indexes, key and value alternating. */
    final Map<Map<String, String>, int[]> headerMaps = new LinkedHashMap<>();

    private final Map<Map<String, String>, Integer> headerMapIndexes = new HashMap<>();

    /** The jobs of a batch mostly share one header map instance: found without hashing it. */
    private Map<String, String> lastHeaders;

    private int lastHeadersIndex;
    byte[] buf;
    int count;

    Writer(int size) {
      buf = new byte[Math.max(16, size)];
    }

    void write(int b) {
      if (count == buf.length) {
        grow(1);
      }
      buf[count++] = (byte) b;
    }

    void write(byte[] bytes, int offset, int length) {
      if (count + length > buf.length) {
        grow(length);
      }
      System.arraycopy(bytes, offset, buf, count, length);
      count += length;
    }

    private void grow(int needed) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + needed));
    }

    void event(JobEvent event) {
      if (event instanceof JobEvent.AwaitingScheduling e) {
        tag(Tag.AWAITING_SCHEDULING, e.jobId());
        job(e.job());
      } else if (event instanceof JobEvent.Succeeded e) {
        tag(Tag.SUCCEEDED, e.jobId());
        attempt(e.attempt());
      } else if (event instanceof JobEvent.Discarded e) {
        tag(Tag.DISCARDED, e.jobId());
        attempt(e.attempt());
        string(e.reason());
        string(e.origin().name());
      } else if (event instanceof JobEvent.AwaitingRetry e) {
        tag(Tag.AWAITING_RETRY, e.jobId());
        attempt(e.attempt());
        time(e.retryAt());
      } else if (event instanceof JobEvent.RetryRequested e) {
        tag(Tag.RETRY_REQUESTED, e.jobId());
        time(e.at());
      } else if (event instanceof JobEvent.Archiving e) {
        tag(Tag.ARCHIVING, e.jobId());
        time(e.at());
        string(e.reason());
      } else if (event instanceof JobEvent.Archived e) {
        tag(Tag.ARCHIVED, e.jobId());
        time(e.at());
        string(e.location());
      } else if (event instanceof JobEvent.CarriedForward e) {
        tag(Tag.CARRIED_FORWARD, e.jobId());
        job(e.job());
        varint(e.earlierAttempts().size());
        e.earlierAttempts().forEach(this::attempt);
      }
    }

    private void tag(Tag tag, Ksuid id) {
      write(tag.ordinal());
      ksuid(id);
    }

    private void job(Job job) {
      string(job.pair().source());
      string(job.pair().destination());
      inline(job.messageId());
      string(job.endpoint());
      varint(headerMap(job.headers()));
      varint(job.payload().length);
      write(job.payload(), 0, job.payload().length);
      time(job.createdAt());
      signed(job.expireAt().toEpochMilli() - job.createdAt().toEpochMilli());
      write(
          (job.replayOf() == null ? 0 : REPLAY_OF)
              | (job.position() == null ? 0 : POSITION)
              | (job.orderingKey() == Job.UNORDERED ? 0 : ORDERING_KEY)
              | (job.trace() == null ? 0 : TRACE));
      if (job.replayOf() != null) {
        ksuid(job.replayOf());
      }
      if (job.position() != null) {
        varint(job.position().partition());
        varint(job.position().offset());
      }
      if (job.orderingKey() != Job.UNORDERED) {
        fixed64(job.orderingKey());
      }
      if (job.trace() != null) {
        inline(job.trace().traceparent());
        string(job.trace().tracestate());
      }
    }

    private void attempt(Attempt attempt) {
      varint(attempt.number());
      time(attempt.startedAt());
      signed(attempt.finishedAt().toEpochMilli() - attempt.startedAt().toEpochMilli());
      varint(attempt.httpStatus());
      string(attempt.error());
    }

    private int headerMap(Map<String, String> headers) {
      if (headers == lastHeaders) {
        return lastHeadersIndex;
      }
      lastHeaders = headers;
      Integer known = headerMapIndexes.get(headers);
      if (known != null) {
        lastHeadersIndex = known;
        return known;
      }
      int[] indexes = new int[headers.size() * 2];
      int i = 0;
      for (Map.Entry<String, String> header : headers.entrySet()) {
        indexes[i++] = intern(header.getKey());
        indexes[i++] = intern(header.getValue());
      }
      int index = headerMaps.size();
      headerMaps.put(headers, indexes);
      headerMapIndexes.put(headers, index);
      lastHeadersIndex = index;
      return index;
    }

    /** A string as its table index plus one; 0 for null. */
    private void string(String s) {
      varint(s == null ? 0 : intern(s) + 1);
    }

    /** A string in place: its length in bytes, then its UTF-8. */
    void inline(String s) {
      byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
      varint(utf8.length);
      write(utf8, 0, utf8.length);
    }

    private int intern(String s) {
      return strings.computeIfAbsent(s, k -> strings.size());
    }

    private void ksuid(Ksuid id) {
      if (count + Ksuid.BYTES > buf.length) {
        grow(Ksuid.BYTES);
      }
      id.copyTo(buf, count);
      count += Ksuid.BYTES;
    }

    private void time(Instant at) {
      signed(at.toEpochMilli());
    }

    void varint(long value) {
      while ((value & ~0x7FL) != 0) {
        write((int) ((value & 0x7F) | 0x80));
        value >>>= 7;
      }
      write((int) value);
    }

    private void signed(long value) {
      varint((value << 1) ^ (value >> 63));
    }

    private void fixed64(long value) {
      for (int shift = 56; shift >= 0; shift -= 8) {
        write((int) (value >>> shift) & 0xFF);
      }
    }
  }

  // ---- reading ----

  static JobBatch read(byte[] bytes) {
    Reader in = new Reader(bytes);
    int version = in.next();
    if (version != VERSION) {
      throw new IllegalArgumentException("unknown job batch version " + version);
    }
    String[] strings = new String[in.items()];
    for (int i = 0; i < strings.length; i++) {
      strings[i] = in.inline();
    }
    List<Map<String, String>> headerMaps = new ArrayList<>();
    for (int i = in.count(); i > 0; i--) {
      Map<String, String> headers = new HashMap<>();
      for (int pairs = in.count(); pairs > 0; pairs--) {
        headers.put(strings[in.count()], strings[in.count()]);
      }
      headerMaps.add(Map.copyOf(headers));
    }
    int count = in.items();
    List<JobEvent> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      events.add(in.event(strings, headerMaps));
    }
    if (in.position != bytes.length) {
      throw new IllegalArgumentException(
          (bytes.length - in.position) + " bytes after the last event");
    }
    return new JobBatch(events);
  }

  private static final class Reader {
    private final byte[] bytes;
    private PairId lastPair;
    private int position;

    Reader(byte[] bytes) {
      this.bytes = bytes;
    }

    JobEvent event(String[] strings, List<Map<String, String>> headerMaps) {
      int tag = next();
      if (tag >= Tag.ALL.length) {
        throw new IllegalArgumentException("unknown job event tag " + tag);
      }
      Ksuid id = ksuid();
      return switch (Tag.ALL[tag]) {
        case AWAITING_SCHEDULING -> new JobEvent.AwaitingScheduling(job(id, strings, headerMaps));
        case SUCCEEDED -> new JobEvent.Succeeded(id, attempt(strings));
        case DISCARDED ->
            new JobEvent.Discarded(
                id, attempt(strings), string(strings), DiscardOrigin.valueOf(string(strings)));
        case AWAITING_RETRY -> new JobEvent.AwaitingRetry(id, attempt(strings), time());
        case RETRY_REQUESTED -> new JobEvent.RetryRequested(id, time());
        case ARCHIVING -> new JobEvent.Archiving(id, time(), string(strings));
        case ARCHIVED -> new JobEvent.Archived(id, time(), string(strings));
        case CARRIED_FORWARD -> {
          Job job = job(id, strings, headerMaps);
          List<Attempt> attempts = new ArrayList<>();
          for (int n = count(); n > 0; n--) {
            attempts.add(attempt(strings));
          }
          yield new JobEvent.CarriedForward(job, attempts);
        }
      };
    }

    private Job job(Ksuid id, String[] strings, List<Map<String, String>> headerMaps) {
      PairId pair = pair(string(strings), string(strings));
      String messageId = inline();
      String endpoint = string(strings);
      Map<String, String> headers = headerMaps.get(count());
      int length = count();
      int start = take(length);
      byte[] payload = Arrays.copyOfRange(bytes, start, start + length);
      Instant createdAt = time();
      Instant expireAt = createdAt.plusMillis(signed());
      int flags = next();
      if ((flags & ~(REPLAY_OF | POSITION | ORDERING_KEY | TRACE)) != 0) {
        throw new IllegalArgumentException(
            "unknown job flags " + flags + " at byte " + (position - 1));
      }
      Ksuid replayOf = (flags & REPLAY_OF) == 0 ? null : ksuid();
      RecordPosition recordPosition =
          (flags & POSITION) == 0 ? null : new RecordPosition(count(), varint());
      long orderingKey = (flags & ORDERING_KEY) == 0 ? Job.UNORDERED : fixed64();
      TraceContext trace =
          (flags & TRACE) == 0 ? null : new TraceContext(inline(), string(strings));
      return new Job(
          id,
          pair,
          messageId,
          endpoint,
          payload,
          headers,
          createdAt,
          expireAt,
          replayOf,
          recordPosition,
          orderingKey,
          trace);
    }

    private Attempt attempt(String[] strings) {
      int number = count();
      Instant startedAt = time();
      Instant finishedAt = startedAt.plusMillis(signed());
      return new Attempt(number, startedAt, finishedAt, count(), string(strings));
    }

    /**
     * The batch's pair: a batch is one queue's, so every job names the same table entries, and the
     * ids are checked once, not once per job.
     */
    private PairId pair(String source, String destination) {
      if (lastPair == null
          || !(lastPair.source() == source && lastPair.destination() == destination)) {
        lastPair = new PairId(source, destination);
      }
      return lastPair;
    }

    private String string(String[] strings) {
      int index = count();
      return index == 0 ? null : strings[index - 1];
    }

    String inline() {
      int length = count();
      return new String(bytes, take(length), length, StandardCharsets.UTF_8);
    }

    private Ksuid ksuid() {
      return Ksuid.fromBytes(bytes, take(Ksuid.BYTES));
    }

    private Instant time() {
      return Instant.ofEpochMilli(signed());
    }

    int next() {
      if (position >= bytes.length) {
        throw new IllegalArgumentException("truncated at byte " + position);
      }
      return bytes[position++] & 0xFF;
    }

    /** Skips {@code length} bytes; returns where they start. */
    int take(int length) {
      if (length < 0 || length > bytes.length - position) {
        throw new IllegalArgumentException("truncated at byte " + position);
      }
      int start = position;
      position += length;
      return start;
    }

    /**
     * A count of things each at least a byte long, checked against the bytes left before anything
     * is made that size: a corrupt count (2^31 - 1) must be an unreadable row, not an {@link
     * OutOfMemoryError}, which no reader of the journal takes for one.
     */
    int items() {
      int items = count();
      if (items > bytes.length - position) {
        throw new IllegalArgumentException(
            items + " items with " + (bytes.length - position) + " bytes left at byte " + position);
      }
      return items;
    }

    int count() {
      long value = varint();
      if (value > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("count out of range at byte " + position);
      }
      return (int) value;
    }

    private long signed() {
      long value = varint();
      return (value >>> 1) ^ -(value & 1);
    }

    private long fixed64() {
      long value = 0;
      for (int i = 0; i < 8; i++) {
        value = value << 8 | next();
      }
      return value;
    }

    private long varint() {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = next();
        value |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return value;
        }
      }
      throw new IllegalArgumentException("varint too long at byte " + position);
    }
  }
}
