package dev.eventrouter.loadtest.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.loadtest.produce.EventProducer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class AuditTest {

  private static final Map<String, List<String>> ROUTES =
      Map.of("s1", List.of("a", "b"), "s2", List.of("b"));

  private final EventProducer.Result produced =
      new EventProducer.Result(
          4,
          0,
          Duration.ofSeconds(1),
          List.of(
              new EventProducer.Produced("s1", "m1"), new EventProducer.Produced("s1", "m2"),
              new EventProducer.Produced("s2", "m3"), new EventProducer.Produced("s2", "m4")));

  @Test
  void accountsForEveryJobAndNamesTheLostOnes() {
    Audit.Result result =
        Audit.audit(
            produced,
            ROUTES::get,
            new Audit.Evidence(
                Map.of("a", Map.of("m1", 1, "m2", 3), "b", Map.of("m1", 1)),
                Map.of("b", Set.of("m2")),
                Map.of("b", Set.of("m3"))));

    assertThat(result.total()).isEqualTo(new Audit.Accounting(6, 3, 2, 1, 1, 1));
    assertThat(result.byDestination().get("a")).isEqualTo(new Audit.Accounting(2, 2, 2, 0, 0, 0));
    assertThat(result.byDestination().get("b")).isEqualTo(new Audit.Accounting(4, 1, 0, 1, 1, 1));
    assertThat(result.lostSample()).containsExactly("b/m4");
    assertThat(result.discardedByClass()).containsEntry("rejected (HTTP 400)", 1L);
    assertThat(result.passed()).isFalse();
  }

  @Test
  void passesWhenNothingIsLost() {
    Audit.Result result =
        Audit.audit(
            produced,
            ROUTES::get,
            new Audit.Evidence(
                Map.of("a", Map.of("m1", 1, "m2", 1), "b", Map.of("m1", 1, "m2", 1, "m3", 1)),
                Map.of(),
                Map.of("b", Set.of("m4"))));

    assertThat(result.total().lost()).isZero();
    assertThat(result.passed()).isTrue();
  }

  @Test
  void failsWhenTheProducerLostEvents() {
    EventProducer.Result failed = new EventProducer.Result(0, 3, Duration.ofSeconds(1), List.of());

    assertThat(
            Audit.audit(failed, ROUTES::get, new Audit.Evidence(Map.of(), Map.of(), Map.of()))
                .passed())
        .isFalse();
  }

  @Test
  void readsDestinationAndMessageIdFromArchiveLines() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
      gzip.write(
          ("{\"id\":\"x\",\"source\":\"s1\",\"destination\":\"b\",\"messageId\":\"m1\",\"trace\":[{\"a\":1}]}\n"
                  + "{\"messageId\":\"m2\",\"payload\":\"eyJ9\",\"destination\":\"a\"}\n")
              .getBytes(StandardCharsets.UTF_8));
    }
    Map<String, Set<String>> archived = new HashMap<>();
    ArchiveReader.read(new ByteArrayInputStream(bytes.toByteArray()), archived);

    assertThat(archived).isEqualTo(Map.of("b", Set.of("m1"), "a", Set.of("m2")));
  }
}
