package dev.eventrouter.router.archive;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.queues.archive.ArchiveSink;
import java.io.IOException;
import java.io.FileOutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.zip.GZIPOutputStream;

/**
 * Archives jobs as gzip NDJSON files in a folder, one file per batch:
 * {@code <dir>/<source>/<destination>/<yyyy-MM-dd>/<HH>/<first job id>.ndjson.gz}, one JSON
 * object per job with its payload in base64. A file is written to a temporary name, synced to
 * disk and renamed, so a reader sees whole files only; writing a batch again replaces its file
 * with the same content.
 */
public final class FileArchiveSink implements ArchiveSink {

  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd");
  private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("HH");
  private static final JsonFactory JSON = new JsonFactory();

  private final Path dir;
  private final Executor blocking;

  /** @param blocking where the file writes run: they block on the disk */
  public FileArchiveSink(Path dir, Executor blocking) {
    this.dir = dir;
    this.blocking = blocking;
  }

  @Override
  public CompletionStage<String> archive(PairId pair, List<Job> jobs) {
    return CompletableFuture.supplyAsync(() -> write(pair, jobs), blocking);
  }

  private String write(PairId pair, List<Job> jobs) {
    Job first = jobs.get(0);
    var time = first.createdAt().atZone(ZoneOffset.UTC);
    Path folder = dir.resolve(pair.source()).resolve(pair.destination())
        .resolve(DAY.format(time)).resolve(HOUR.format(time));
    Path file = folder.resolve(first.id() + ".ndjson.gz");
    try {
      Files.createDirectories(folder);
      Path temp = Files.createTempFile(folder, ".archiving-", ".tmp");
      try (FileOutputStream fileOut = new FileOutputStream(temp.toFile())) {
        GZIPOutputStream gzip = new GZIPOutputStream(fileOut, 64 * 1024);
        try (JsonGenerator out = JSON.createGenerator(gzip, JsonEncoding.UTF8)
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)) {
          for (Job job : jobs) {
            writeJob(out, job);
          }
        }
        gzip.finish();
        fileOut.getFD().sync();
      }
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return file.toUri().toString();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot archive " + jobs.size() + " jobs of " + pair + " to " + file, e);
    }
  }

  private static void writeJob(JsonGenerator out, Job job) throws IOException {
    out.writeStartObject();
    out.writeStringField("id", job.id().toString());
    out.writeStringField("source", job.pair().source());
    out.writeStringField("destination", job.pair().destination());
    out.writeStringField("messageId", job.messageId());
    out.writeStringField("endpoint", job.endpoint());
    out.writeObjectFieldStart("headers");
    for (Map.Entry<String, String> header : job.headers().entrySet()) {
      out.writeStringField(header.getKey(), header.getValue());
    }
    out.writeEndObject();
    out.writeStringField("createdAt", job.createdAt().toString());
    out.writeStringField("expireAt", job.expireAt().toString());
    out.writeFieldName("payload");
    out.writeBinary(job.payload());
    out.writeEndObject();
    out.writeRaw('\n');
  }
}
