package dev.eventrouter.router.archive;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.Ksuid;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.job.TraceContext;
import dev.eventrouter.persistence.job.Transition;
import dev.eventrouter.persistence.serialization.JobJacksonModule;
import dev.eventrouter.queues.archive.ArchivedJob;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The archive's object format: gzip NDJSON, one {@link Record} per line, each a whole job (its
 * payload in base64, exactly the bytes received) with its execution trace. Self-describing, so that
 * an archive can be read without this program: {@code aws s3 cp s3://... - | gunzip | jq}.
 */
public final class ArchiveRecords {

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .addModule(new JobJacksonModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(MapperFeature.DEFAULT_VIEW_INCLUSION)
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .build();

  private ArchiveRecords() {}

  /**
   * One archived job as stored.
   *
   * @param replayOf the archived job this one was a replay of, if it was
   * @param payload the event's bytes as received (base64 in the JSON)
   * @param trace its transitions up to {@code archiving}
   * @param orderingKey the hash of its ordering key ({@link Job#orderingKey()}), so that a replay
   *     is delivered in order like the job was; absent for none, and in objects written before
   * @param traceContext the trace its attempts continued, which a replay's attempts continue too;
   *     absent for none, and in objects written before
   */
  public record Record(
      Ksuid id,
      String source,
      String destination,
      String messageId,
      String endpoint,
      Map<String, String> headers,
      Instant createdAt,
      Instant expireAt,
      Ksuid replayOf,
      byte[] payload,
      List<Transition> trace,
      Long orderingKey,
      TraceContext traceContext) {

    static Record of(ArchivedJob archived) {
      Job job = archived.job();
      return new Record(
          job.id(),
          job.pair().source(),
          job.pair().destination(),
          job.messageId(),
          job.endpoint(),
          job.headers(),
          job.createdAt(),
          job.expireAt(),
          job.replayOf(),
          job.payload(),
          Transition.of(archived.trace()),
          job.orderingKey() == Job.UNORDERED ? null : job.orderingKey(),
          job.trace());
    }

    /** Whether it has every field a job needs. */
    boolean whole() {
      return id != null
          && source != null
          && destination != null
          && messageId != null
          && endpoint != null
          && headers != null
          && createdAt != null
          && expireAt != null
          && payload != null;
    }

    public Job job() {
      return new Job(
          id,
          new PairId(source, destination),
          messageId,
          endpoint,
          payload,
          headers,
          createdAt,
          expireAt,
          replayOf,
          null,
          orderingKey == null ? Job.UNORDERED : orderingKey,
          traceContext);
    }
  }

  public static byte[] write(List<ArchivedJob> jobs) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes, 64 * 1024)) {
      for (ArchivedJob job : jobs) {
        gzip.write(JSON.writeValueAsBytes(Record.of(job)));
        gzip.write('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * What an archive object holds.
   *
   * @param unreadable its lines that are no whole record (not JSON, a field missing, longer than
   *     {@link #MAX_LINE_BYTES}), and an object cut short or not gzip: each counted once, skipped
   */
  public record Contents(List<Record> records, int unreadable) {}

  /**
   * The longest line read: 64 MiB, a payload of 47 MiB in base64 with its trace, far more than an
   * event the ingest takes. A longer one (a gzip of zeros inflates a thousandfold) is skipped
   * unread rather than held.
   */
  static final int MAX_LINE_BYTES = 64 << 20;

  /** The records of an archive object held in memory; see {@link #read(InputStream, Consumer)}. */
  public static Contents read(byte[] object) {
    List<Record> records = new ArrayList<>();
    int unreadable = read(new ByteArrayInputStream(object), records::add);
    return new Contents(records, unreadable);
  }

  /**
   * Hands each record of an archive object to {@code each} as it is read, so that no more than a
   * line is held at once, and returns how many lines (and a cut short or not gzip object) were no
   * whole record: what cannot be read is skipped and counted, and the rest is read, since anyone
   * with access to the bucket can change an object. A failure of {@code object} itself to be read
   * is the caller's to tell apart (an {@link UncheckedIOException}, say): an {@link IOException}
   * from it counts as an object cut short.
   */
  public static int read(InputStream object, Consumer<Record> each) {
    int unreadable = 0;
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    boolean tooLong = false;
    byte[] chunk = new byte[64 * 1024];
    try (InputStream in = new GZIPInputStream(object, 64 * 1024)) {
      int read;
      while ((read = in.read(chunk)) != -1) {
        int start = 0;
        for (int i = 0; i < read; i++) {
          if (chunk[i] != '\n') {
            continue;
          }
          tooLong |= !append(line, chunk, start, i - start);
          unreadable += take(line, tooLong, each);
          line.reset();
          tooLong = false;
          start = i + 1;
        }
        tooLong |= !append(line, chunk, start, read - start);
      }
      unreadable += take(line, tooLong, each);
    } catch (IOException e) {
      unreadable++; // cut short, or no gzip: the records before stand
    }
    return unreadable;
  }

  /** Adds to the line unless it would pass the longest; false when it did not. */
  private static boolean append(ByteArrayOutputStream line, byte[] bytes, int from, int length) {
    if (line.size() + length > MAX_LINE_BYTES) {
      return false;
    }
    line.write(bytes, from, length);
    return true;
  }

  /** Hands the line on as a record; 1 when it is no whole record, else 0. */
  private static int take(ByteArrayOutputStream line, boolean tooLong, Consumer<Record> each) {
    if (tooLong) {
      return 1;
    }
    String text = line.toString(StandardCharsets.UTF_8);
    if (text.isBlank()) {
      return 0;
    }
    Record record;
    try {
      record = JSON.readValue(text, Record.class);
    } catch (IOException | RuntimeException e) {
      return 1;
    }
    if (!record.whole()) {
      return 1;
    }
    each.accept(record);
    return 0;
  }
}
