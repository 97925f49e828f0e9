package dev.eventrouter.router.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.persistence.testing.JobFixtures;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileArchiveSinkTest {

  @TempDir Path dir;

  @Test
  void writesOneGzipNdjsonFilePerBatchWithEveryJobAndItsPayload() throws Exception {
    PairId pair = new PairId("shop", "webhook");
    Instant created = Instant.parse("2026-11-26T10:15:30Z");
    List<Job> jobs = IntStream.range(0, 3)
        .mapToObj(i -> JobFixtures.job(pair, "m-" + i, "https://hooks.example.com/in", created))
        .toList();
    FileArchiveSink sink = new FileArchiveSink(dir, Runnable::run);

    String location = sink.archive(pair, jobs).toCompletableFuture().join();

    Path file = Path.of(URI.create(location));
    assertThat(file).isEqualTo(dir.resolve("shop/webhook/2026-11-26/10/" + jobs.get(0).id() + ".ndjson.gz"));
    List<JsonNode> lines = read(file);
    assertThat(lines).hasSize(3);
    for (int i = 0; i < 3; i++) {
      JsonNode line = lines.get(i);
      Job job = jobs.get(i);
      assertThat(line.get("id").asText()).isEqualTo(job.id().toString());
      assertThat(line.get("messageId").asText()).isEqualTo(job.messageId());
      assertThat(line.get("source").asText()).isEqualTo("shop");
      assertThat(line.get("headers").get("Content-Type").asText()).isEqualTo("application/json");
      assertThat(line.get("payload").binaryValue()).isEqualTo(job.payload());
    }
    try (var files = Files.list(file.getParent())) {
      assertThat(files).as("no temporary file left").containsExactly(file);
    }

    assertThat(sink.archive(pair, jobs).toCompletableFuture().join()).as("again: same file").isEqualTo(location);
    assertThat(read(file)).hasSize(3);
  }

  private static List<JsonNode> read(Path file) throws Exception {
    ObjectMapper json = new ObjectMapper();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
      return in.lines().map(line -> {
        try {
          return json.readTree(line);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }).toList();
    }
  }
}
