package dev.eventrouter.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.router.testing.TestRouter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar, run as a user runs it: it starts on embedded defaults, delivers, logs JSON
 * lines, and on SIGTERM drains and stops cleanly.
 */
class PackagedRouterIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void startsDeliversAndStopsCleanlyOnSigterm() throws Exception {
    Path jar = Path.of(System.getProperty("router.jar"));
    assertThat(jar).exists();
    try (BlackHole blackHole = BlackHole.start("127.0.0.1", 0)) {
      Path registry = dir.resolve("registry.conf");
      Files.writeString(registry, """
          destinations { webhook { endpoint = "%s" } }
          sources { shop { destinations = [webhook] } }
          """.formatted(blackHole.url("webhook")));
      int httpPort = TestRouter.freePort();
      int kafkaPort = TestRouter.freePort();
      Path log = dir.resolve("router.log");
      ProcessBuilder builder = new ProcessBuilder("java", "-Xmx512m", "-jar", jar.toString())
          .directory(dir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(log.toFile());
      builder.environment().putAll(Map.of(
          "ROUTER_REGISTRY_FILE", registry.toString(),
          "ROUTER_DATA_DIR", dir.resolve("data").toString(),
          "ROUTER_HTTP_PORT", Integer.toString(httpPort),
          "ROUTER_KAFKA_PORT", Integer.toString(kafkaPort),
          "ROUTER_KAFKA_CONTROLLER_PORT", Integer.toString(TestRouter.freePort()),
          "ROUTER_CLUSTER_PORT", Integer.toString(TestRouter.freePort()),
          "ROUTER_S3_EMBEDDED_PORT", Integer.toString(TestRouter.freePort()),
          "ROUTER_ALLOW_ADDRESSES", "127.0.0.0/8"));
      Process router = builder.start();
      try {
        await("the router to be ready", Duration.ofSeconds(90), () -> status(httpPort, "/health/ready") == 200);

        EventProducer.Result produced = EventProducer.run(new EventProducer.Plan(
            "127.0.0.1:" + kafkaPort, "events", 100, List.of("shop"), 256, 0, 3));
        await("100 deliveries", Duration.ofSeconds(60), () -> blackHole.received() >= 100);
        assertThat(blackHole.deliveries().get("webhook"))
            .containsOnlyKeys(produced.produced().stream().map(EventProducer.Produced::messageId).toList());

        router.destroy();
        assertThat(router.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s of SIGTERM").isTrue();
        assertThat(router.exitValue()).isEqualTo(143);
      } finally {
        router.destroyForcibly();
      }

      List<JsonNode> lines = new ArrayList<>();
      for (String line : Files.readAllLines(log)) {
        lines.add(JSON.readTree(line));
      }
      assertThat(lines).allSatisfy(line -> assertThat(line.has("level")).isTrue());
      assertThat(lines).noneSatisfy(line -> assertThat(line.get("level").asText()).isEqualTo("ERROR"));
      assertThat(lines).extracting(line -> line.get("formattedMessage").asText())
          .anyMatch(message -> message.startsWith("router started"))
          .anyMatch(message -> message.equals("embedded Kafka broker stopped"));
    }
  }

  private static int status(int port, String path) {
    try {
      return HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(200);
    }
  }
}
