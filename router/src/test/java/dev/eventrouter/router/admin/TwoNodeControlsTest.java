package dev.eventrouter.router.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.persistence.testing.TestJournals;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.testing.TestRouter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two router nodes in one cluster, sharing a PostgreSQL journal and a topic: what an operator
 * changes through one node (the registry, a pause) is in force on the other, and jobs cross between
 * nodes to the queue of their pair.
 */
@ExtendWith(LogCapturingExtension.class)
class TwoNodeControlsTest {

  private static final String TOKEN = "operate-token-0123456789";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;

  @Test
  void aChangeMadeOnOneNodeIsInForceOnTheOther() throws Exception {
    try (BlackHole blackHole = BlackHole.start("127.0.0.1", 0)) {
      Path registry = dataDir.resolve("registry.conf");
      Files.writeString(
          registry,
          """
          destinations { hook { endpoint = "%s" } }
          sources { shop { destinations = [hook] }, blog { destinations = [hook] } }
          """
              .formatted(blackHole.url("hook")));
      Config postgres = TestJournals.postgresEmptied();
      int seedPort = TestRouter.freePort();
      String seed = "pekko://eventrouter@127.0.0.1:" + seedPort;

      Map<String, Object> first = journal(postgres);
      first.put("pekko.remote.artery.canonical.port", seedPort);
      try (Router one =
          TestRouter.start(TestRouter.config(dataDir.resolve("one"), registry, first))) {
        Map<String, Object> second = journal(postgres);
        second.put("eventrouter.kafka.bootstrap-servers", one.kafkaBootstrapServers());
        second.put("pekko.cluster.seed-nodes", List.of(seed));
        try (Router two =
            TestRouter.start(TestRouter.config(dataDir.resolve("two"), registry, second))) {
          TestProbe<Object> probe = TestProbe.create(one.system());
          probe.awaitAssert(
              WAIT,
              Duration.ofMillis(200),
              () -> {
                assertThat(call(one, "GET", "/health/ready", null).statusCode()).isEqualTo(200);
                assertThat(call(two, "GET", "/health/ready", null).statusCode()).isEqualTo(200);
                return null;
              });

          // the registry, replaced through the second node, routes on the first
          String replacement =
              """
              destinations { hook { endpoint = "%s" }, added { endpoint = "%s" } }
              sources { shop { destinations = [hook, added] }, blog { destinations = [hook] } }
              """
                  .formatted(blackHole.url("hook"), blackHole.url("added"));
          assertThat(call(two, "PUT", "/admin/registry", replacement).statusCode()).isEqualTo(200);
          probe.awaitAssert(
              WAIT,
              Duration.ofMillis(200),
              () -> {
                assertThat(call(one, "GET", "/admin/destinations/added", null).statusCode())
                    .isEqualTo(200);
                return null;
              });

          // a pause made through the first node holds the jobs the second node's queues get
          assertThat(call(one, "POST", "/admin/destinations/added/pause", "").statusCode())
              .isEqualTo(200);
          probe.awaitAssert(
              WAIT,
              Duration.ofMillis(200),
              () -> {
                assertThat(call(two, "GET", "/admin/paused", null).body()).contains("added");
                return null;
              });

          List<EventProducer.Produced> produced =
              EventProducer.run(
                      new EventProducer.Plan(
                          one.kafkaBootstrapServers(),
                          "events",
                          200,
                          List.of("shop", "blog"),
                          200,
                          0,
                          9))
                  .produced();
          List<String> sent = produced.stream().map(EventProducer.Produced::messageId).toList();
          List<String> fromShop =
              produced.stream()
                  .filter(p -> p.source().equals("shop"))
                  .map(EventProducer.Produced::messageId)
                  .toList();
          probe.awaitAssert(
              WAIT,
              Duration.ofMillis(200),
              () -> {
                assertThat(blackHole.deliveries().getOrDefault("hook", Map.of()).keySet())
                    .containsExactlyInAnyOrderElementsOf(sent);
                return null;
              });
          assertThat(blackHole.deliveries().getOrDefault("added", Map.of())).isEmpty();

          assertThat(call(two, "POST", "/admin/destinations/added/resume", "").statusCode())
              .isEqualTo(200);
          probe.awaitAssert(
              WAIT,
              Duration.ofMillis(200),
              () -> {
                assertThat(blackHole.deliveries().getOrDefault("added", Map.of()).keySet())
                    .containsExactlyInAnyOrderElementsOf(fromShop);
                return null;
              });
          assertThat(blackHole.duplicates()).isZero();
        }
      }
    }
  }

  private static Map<String, Object> journal(Config postgres) {
    Map<String, Object> settings = new HashMap<>();
    for (String key : List.of("database", "url", "user")) {
      settings.put("eventrouter.journal." + key, postgres.getString("eventrouter.journal." + key));
    }
    settings.put("eventrouter.admin.operate-token", TOKEN);
    return settings;
  }

  private static HttpResponse<String> call(Router router, String method, String path, String body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.httpPort() + path))
            .header("Authorization", "Bearer " + TOKEN)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
