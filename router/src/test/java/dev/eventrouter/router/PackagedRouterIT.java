package dev.eventrouter.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.loadtest.run.RouterProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar, run as a user runs it: it starts on embedded defaults, delivers, logs JSON
 * lines, and on SIGTERM drains and stops cleanly.
 */
@ExtendWith(LogCapturingExtension.class)
class PackagedRouterIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** A mistake in the arguments ends the JVM with picocli's usage code, naming it. */
  @Test
  void aMistakeInTheArgumentsExitsWithTheUsageCode() throws Exception {
    Path jar = Path.of(System.getProperty("router.jar"));
    for (List<String> mistaken :
        List.of(List.of("segment-api", "--prot", "8091"), List.of("--prot", "8091"))) {
      List<String> command = new ArrayList<>(List.of("java", "-jar", jar.toString()));
      command.addAll(mistaken);
      Process process =
          new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes());
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited: " + mistaken).isTrue();
      assertThat(process.exitValue()).as("exit code of " + mistaken).isEqualTo(2);
      assertThat(output).contains("Unknown option", "'--prot'", "Usage: eventrouter");
    }
  }

  @Test
  void startsDeliversAndStopsCleanlyOnSigterm() throws Exception {
    Path jar = Path.of(System.getProperty("router.jar"));
    assertThat(jar).exists();
    try (BlackHole blackHole = BlackHole.start("127.0.0.1", 0)) {
      Path registry = dir.resolve("registry.conf");
      Files.writeString(
          registry,
          """
          destinations { webhook { endpoint = "%s" } }
          sources { shop { destinations = [webhook] } }
          """
              .formatted(blackHole.url("webhook")));
      RouterProcess router =
          new RouterProcess(jar, dir, Map.of("ROUTER_REGISTRY_FILE", registry.toString())).start();
      try {
        router.awaitReady(Duration.ofSeconds(90));

        EventProducer.Result produced =
            EventProducer.run(
                new EventProducer.Plan(
                    router.kafkaBootstrapServers(), "events", 100, List.of("shop"), 256, 0, 3));
        RouterProcess.await(
            "100 deliveries", Duration.ofSeconds(60), () -> blackHole.received() >= 100);
        assertThat(blackHole.deliveries().get("webhook"))
            .containsOnlyKeys(
                produced.produced().stream().map(EventProducer.Produced::messageId).toList());

        assertThat(router.terminate(Duration.ofSeconds(60)))
            .as("exit code within 60 s of SIGTERM")
            .isEqualTo(143);
      } finally {
        router.close();
      }

      List<JsonNode> lines = new ArrayList<>();
      for (String line : Files.readAllLines(router.log())) {
        lines.add(JSON.readTree(line));
      }
      assertThat(lines).allSatisfy(line -> assertThat(line.has("level")).isTrue());
      assertThat(lines)
          .noneSatisfy(line -> assertThat(line.get("level").asText()).isEqualTo("ERROR"));
      assertThat(lines)
          .extracting(line -> line.get("formattedMessage").asText())
          .anyMatch(message -> message.startsWith("router started"))
          .anyMatch(message -> message.equals("embedded Kafka broker stopped"));
    }
  }
}
