package dev.eventrouter.router.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import dev.eventrouter.loadtest.blackhole.Behaviours;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.loadtest.blackhole.Tap;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.testing.TestRouter;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The settings registry replaced at run time: checked like the file, refused whole when wrong, in
 * use at once for new records, and still in use after a restart.
 */
@ExtendWith(LogCapturingExtension.class)
class RegistryChangeTest {

  private static final String TOKEN = "operate-token-0123456789";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;

  @Test
  void aReplacedRegistryRoutesNewEventsAndOutlivesARestart() throws Exception {
    try (BlackHole blackHole = BlackHole.start("127.0.0.1", 0)) {
      Config config =
          configWith(
              """
              destinations { old { endpoint = "%s" } }
              sources { shop { destinations = [old] } }
              """
                  .formatted(blackHole.url("old")));
      String replacement =
          """
          destinations {
            old { endpoint = "%s" }
            added { endpoint = "%s", max-in-flight-per-pair = 4 }
          }
          sources { shop { destinations = [old, added] } }
          """
              .formatted(blackHole.url("old"), blackHole.url("added"));

      try (Router router = TestRouter.start(config)) {
        // before any replacement: the file the node started from, as text (what the console edits)
        JsonNode fromFile = JSON.readTree(get(router).body());
        assertThat(fromFile.get("version").asInt()).isZero();
        assertThat(fromFile.get("text").asText())
            .contains("sources { shop { destinations = [old] } }");
        // a file edited since is not in force (it is read at start): what is in force is shown
        Path file = dataDir.resolve("registry.conf");
        String started = Files.readString(file);
        Files.writeString(file, "sources { edited { destinations = [] } }");
        assertThat(JSON.readTree(get(router).body()).get("text").asText()).isEqualTo(started);
        Files.writeString(file, started);
        Map<String, String> refused =
            Map.ofEntries(
                Map.entry(
                    "destinations { a { endpoint = \"ftp://x\" } }\nsources { s { destinations = [nope] } }",
                    "unknown destination 'nope'"),
                Map.entry("include \"/etc/passwd\"\nsources {}", "include is not allowed"),
                Map.entry("include file(\"/etc/hostname\")\nsources {}", "include is not allowed"),
                Map.entry(
                    "include required(file(\"/etc/hostname\"))\nsources {}",
                    "include is not allowed"),
                Map.entry(
                    "include url(\"http://169.254.169.254/latest/meta-data/\")\nsources {}",
                    "include is not allowed"),
                Map.entry(
                    "include classpath(\"application.conf\")\nsources {}",
                    "include is not allowed"),
                Map.entry(
                    "destinations { a { endpoint = ${HOME} } }\nsources {}", "a substitution"),
                // resolved, 10 x 2^40 bytes
                Map.entry(
                    "a = \"xxxxxxxxxx\"\n"
                        + IntStream.range(0, 40)
                            .mapToObj(
                                i ->
                                    "s"
                                        + (i + 1)
                                        + " = ${"
                                        + (i == 0 ? "a" : "s" + i)
                                        + "}${"
                                        + (i == 0 ? "a" : "s" + i)
                                        + "}\n")
                            .collect(Collectors.joining())
                        + "sources {}",
                    "a substitution"),
                Map.entry("destinations { a { endpoint = \"http://x\" ", "invalid registry"),
                // an endpoint no request could go to, named as the file's would be
                Map.entry(
                    "destinations { a { endpoint = \"http://x y/\" } }\nsources {}",
                    "destinations.a.endpoint: not a URL"),
                Map.entry(
                    "destinations { a { endpoint = \"ftp://x\" } }\nsources {}",
                    "destinations.a.endpoint: must be an absolute http or https URL"),
                Map.entry(
                    "destinations { a { endpoint = \"http:///in\" } }\nsources {}",
                    "destinations.a.endpoint: must be an absolute http or https URL with a host"),
                Map.entry(
                    "destinations { a { endpoint = \"http://x:99999/\" } }\nsources {}",
                    "destinations.a.endpoint: port 99999 does not exist"),
                Map.entry(
                    "destinations { a { endpoint = \"http://u:pw@x/\" } }\nsources {}",
                    "destinations.a.endpoint: must not hold a user or password"),
                // a filter's mistake refuses the whole registry, named down to its condition
                Map.entry(
                    "destinations { a { endpoint = \"http://x/\" } }\n"
                        + "sources { s { destinations = [{ id = a, filter { where = [{ field = p, in = [] }] } }] } }",
                    "sources.s.destinations[0].filter.where[0].in: must be a non-empty list"),
                // a value of the wrong type is the sender's mistake (it was answered 503)
                Map.entry(
                    "destinations { a { endpoint = \"http://x/\" } }\n"
                        + "sources { s { destinations = [{ id = a, rate-per-pair = fast }] } }",
                    "sources.s.destinations[0].rate-per-pair: must be a whole number"),
                // the parser's stack would overflow
                Map.entry(
                    "sources {}\nx = " + "[".repeat(100_000) + "]".repeat(100_000),
                    "line 2: nested deeper than 64 levels"),
                // HOCON would merge them
                Map.entry(
                    "{\"destinations\": {\"a\": {\"endpoint\": \"http://x/\"},"
                        + " \"a\": {\"endpoint\": \"http://y/\"}}, \"sources\": {}}",
                    "destinations.a: given twice in one object"));
        for (Map.Entry<String, String> bad : refused.entrySet()) {
          HttpResponse<String> response = put(router, bad.getKey());
          assertThat(response.statusCode()).as(bad.getKey()).isEqualTo(400);
          assertThat(JSON.readTree(response.body()).get("error").asText())
              .as(bad.getKey())
              .contains(bad.getValue());
        }
        assertThat(JSON.readTree(get(router).body()).get("version").asInt())
            .as("nothing changed")
            .isZero();

        HttpResponse<String> replaced = put(router, replacement);
        assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
        assertThat(JSON.readTree(replaced.body()).get("version").asInt()).isEqualTo(1);

        List<String> sent = produce(router, 20);
        TestProbe.create(router.system())
            .awaitAssert(
                Duration.ofSeconds(60),
                Duration.ofMillis(200),
                () -> {
                  assertThat(blackHole.deliveries().getOrDefault("added", Map.of()).keySet())
                      .containsAll(sent);
                  return null;
                });
      }

      try (Router restarted = TestRouter.start(config)) {
        assertThat(JSON.readTree(get(restarted).body()).get("text").asText())
            .isEqualTo(replacement);
        List<String> sent = produce(restarted, 10);
        TestProbe.create(restarted.system())
            .awaitAssert(
                Duration.ofSeconds(60),
                Duration.ofMillis(200),
                () -> {
                  assertThat(blackHole.deliveries().getOrDefault("added", Map.of()).keySet())
                      .containsAll(sent);
                  assertThat(blackHole.deliveries().getOrDefault("old", Map.of()).keySet())
                      .containsAll(sent);
                  return null;
                });
        assertThat(TestRouter.get(restarted, "/metrics").body())
            .contains("eventrouter_breaker_state{destination=\"old\"}");

        // a destination the registry no longer has leaves the metrics (its breaker's last state
        // was reported for ever, an open one firing its alert)
        HttpResponse<String> dropped =
            put(
                restarted,
                """
                destinations { added { endpoint = "%s" } }
                sources { shop { destinations = [added] } }
                """
                    .formatted(blackHole.url("added")));
        assertThat(dropped.statusCode()).as(dropped.body()).isEqualTo(200);
        TestProbe.create(restarted.system())
            .awaitAssert(
                Duration.ofSeconds(30),
                Duration.ofMillis(200),
                () -> {
                  String metrics = TestRouter.get(restarted, "/metrics").body();
                  assertThat(metrics)
                      .contains("eventrouter_breaker_state{destination=\"added\"}")
                      .doesNotContain("destination=\"old\"");
                  return null;
                });
      }
    }
  }

  /**
   * A job is accepted with its destination's endpoint and headers, and keeps them: jobs queued
   * before a registry change go where they were bound, new events go to the new endpoint.
   */
  @Test
  void jobsQueuedBeforeAChangeKeepTheEndpointTheyWereAcceptedWith() throws Exception {
    try (BlackHole blackHole = BlackHole.start("127.0.0.1", 0)) {
      String registry =
          """
          destinations { hook { endpoint = "%s" } }
          sources { shop { destinations = [hook] } }
          """;
      Config config = configWith(registry.formatted(blackHole.url("before")));
      try (Router router = TestRouter.start(config)) {
        TestProbe<Object> probe = TestProbe.create(router.system());
        pauseHook(router, probe);

        List<String> queued = produce(router, 10);
        awaitDepth(router, probe, 10);
        HttpResponse<String> replaced = put(router, registry.formatted(blackHole.url("after")));
        assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
        List<String> afterChange = produce(router, 10);
        awaitDepth(router, probe, 20);
        assertThat(blackHole.deliveries()).as("nothing sent while paused").isEmpty();

        assertThat(call(router, "POST", "/admin/destinations/hook/resume", null).statusCode())
            .isEqualTo(200);
        probe.awaitAssert(
            Duration.ofSeconds(60),
            Duration.ofMillis(200),
            () -> {
              assertThat(blackHole.deliveries().getOrDefault("before", Map.of()).keySet())
                  .containsExactlyInAnyOrderElementsOf(queued);
              assertThat(blackHole.deliveries().getOrDefault("after", Map.of()).keySet())
                  .containsExactlyInAnyOrderElementsOf(afterChange);
              return null;
            });
      }
    }
  }

  /**
   * A destination's type changed through the admin API applies to the jobs it already holds, at
   * their next attempt: the adapter is the destination's current one (as its signing is), and a
   * third-party API's request goes to the adapter's endpoint, never to the one a job was accepted
   * with (its credential must not reach the old webhook's host).
   */
  @Test
  void aDestinationsAdapterChangedThroughTheAdminApiAppliesToItsQueuedJobs() throws Exception {
    List<Tap.Delivery> requests = new CopyOnWriteArrayList<>();
    Files.createDirectories(dataDir.resolve("secrets"));
    Files.writeString(dataDir.resolve("secrets/AMP_KEY"), "amp-key-0123");
    try (BlackHole blackHole =
        BlackHole.start(
            new BlackHole.Options(
                "127.0.0.1",
                0,
                1,
                BlackHole.Options.DEFAULT_MAX_CONTENT_BYTES,
                Behaviours.acceptAll(),
                requests::add))) {
      Path file = dataDir.resolve("registry.conf");
      Files.writeString(
          file,
          """
          destinations { hook { endpoint = "%s" } }
          sources { shop { destinations = [hook] } }
          """
              .formatted(blackHole.url("webhook")));
      Config config =
          TestRouter.config(
              dataDir,
              file,
              Map.of(
                  "eventrouter.admin.operate-token",
                  TOKEN,
                  "eventrouter.secrets.dir",
                  dataDir.resolve("secrets").toString()));
      try (Router router = TestRouter.start(config)) {
        TestProbe<Object> probe = TestProbe.create(router.system());
        pauseHook(router, probe);
        List<String> queued = produce(router, 10);
        awaitDepth(router, probe, 10);

        HttpResponse<String> refused =
            put(
                router,
                """
                destinations { hook { type = amplitude, api-key = "amp-key-0123" } }
                sources { shop { destinations = [hook] } }
                """);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(refused.body()).get("error").asText())
            .contains("destinations.hook.api-key: the API key is { secret = NAME }")
            .doesNotContain("amp-key-0123");

        HttpResponse<String> replaced =
            put(
                router,
                """
                destinations { hook { type = amplitude, endpoint = "%s", api-key = { secret = AMP_KEY } } }
                sources { shop { destinations = [hook] } }
                """
                    .formatted(blackHole.url("amplitude")));
        assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
        assertThat(call(router, "POST", "/admin/destinations/hook/resume", null).statusCode())
            .isEqualTo(200);

        // the queued jobs go in Amplitude's requests (up to 10 events each, by default), each
        // event named by its insert_id, the job's messageId
        probe.awaitAssert(
            Duration.ofSeconds(60),
            Duration.ofMillis(200),
            () -> {
              // at least once: a request retried after a timeout may repeat some
              assertThat(insertIds(requests)).containsOnlyElementsOf(queued).containsAll(queued);
              return null;
            });
        assertThat(blackHole.deliveries()).doesNotContainKey("webhook");
        for (Tap.Delivery request : requests) {
          assertThat(request.destination()).isEqualTo("amplitude");
          assertThat(JSON.readTree(request.body()).get("api_key").asText())
              .isEqualTo("amp-key-0123");
        }
      }
    }
  }

  private static List<String> insertIds(List<Tap.Delivery> requests) throws Exception {
    List<String> ids = new ArrayList<>();
    for (Tap.Delivery request : requests) {
      for (JsonNode event : JSON.readTree(request.body()).get("events")) {
        ids.add(event.get("insert_id").asText());
      }
    }
    return ids;
  }

  /** Pauses destination hook and waits until the node sees it paused: its jobs stay queued. */
  private static void pauseHook(Router router, TestProbe<Object> probe) throws Exception {
    assertThat(call(router, "POST", "/admin/destinations/hook/pause", null).statusCode())
        .isEqualTo(200);
    probe.awaitAssert(
        Duration.ofSeconds(30),
        Duration.ofMillis(200),
        () -> assertThat(call(router, "GET", "/admin/paused", null).body()).contains("hook"));
  }

  private static void awaitDepth(Router router, TestProbe<Object> probe, int jobs) {
    probe.awaitAssert(
        Duration.ofSeconds(30),
        Duration.ofMillis(200),
        () -> {
          assertThat(
                  JSON.readTree(call(router, "GET", "/admin/pairs/shop/hook", null).body())
                      .get("depth")
                      .asInt())
              .isEqualTo(jobs);
          return null;
        });
  }

  /** A router's settings, with this registry as its file and the operate token. */
  private Config configWith(String registry) throws Exception {
    Path file = dataDir.resolve("registry.conf");
    Files.writeString(file, registry);
    return TestRouter.config(
        dataDir, file, TestRouter.freePort(), Map.of("eventrouter.admin.operate-token", TOKEN));
  }

  private static List<String> produce(Router router, int events) {
    return EventProducer.run(
            new EventProducer.Plan(
                router.kafkaBootstrapServers(), "events", events, List.of("shop"), 100, 0, 3))
        .produced()
        .stream()
        .map(EventProducer.Produced::messageId)
        .toList();
  }

  private static HttpResponse<String> put(Router router, String registry) throws Exception {
    return call(router, "PUT", "/admin/registry", registry);
  }

  private static HttpResponse<String> get(Router router) throws Exception {
    return call(router, "GET", "/admin/registry", null);
  }

  private static HttpResponse<String> call(Router router, String method, String path, String body)
      throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.httpPort() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .method(
                    method,
                    body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
