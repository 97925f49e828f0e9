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
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

  public static List<Record> read(byte[] object) {
    List<Record> records = new ArrayList<>();
    try (BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(
                new GZIPInputStream(new ByteArrayInputStream(object)), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (!line.isBlank()) {
          records.add(JSON.readValue(line, Record.class));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("not an archive object: " + e.getMessage(), e);
    }
    return records;
  }
}
