package dev.eventrouter.router.admin;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.persistence.job.PairId;
import dev.eventrouter.router.Main;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.archive.ArchiveKeys;
import dev.eventrouter.router.archive.ArchiveRecords;
import dev.eventrouter.router.archive.ArchiveSettings;
import dev.eventrouter.router.archive.ArchiveStore;
import dev.eventrouter.router.testing.Metrics;
import dev.eventrouter.router.testing.TestRouter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The operator API on a running router: every endpoint, with no token, a wrong one, the wrong scope
 * and bad parameters; pause and resume; flush to the archive and replay from it.
 */
@ExtendWith(LogCapturingExtension.class)
class AdminApiTest {

  private static final String OPERATE = "operate-token-0123456789";
  private static final String READ = "read-token-0123456789";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path dataDir;
  static BlackHole blackHole;
  static Router router;
  static TestProbe<Object> probe;
  static int s3Port;
  static final ListAppender<ILoggingEvent> audit = new ListAppender<>();

  @BeforeAll
  static void start() throws Exception {
    blackHole = BlackHole.start("127.0.0.1", 0);
    Path registry = dataDir.resolve("registry.conf");
    Files.writeString(
        registry,
        """
        destinations {
          hook { endpoint = "%s" }
          held { endpoint = "%s" }
          flushed { endpoint = "%s" }
        }
        sources {
          shop { destinations = [hook, flushed] }
          blog { destinations = [held] }
        }
        """
            .formatted(blackHole.url("hook"), blackHole.url("held"), blackHole.url("flushed")));
    s3Port = TestRouter.freePort();
    router =
        TestRouter.start(
            TestRouter.config(
                dataDir,
                registry,
                Map.of(
                    "eventrouter.admin.operate-token", OPERATE,
                    "eventrouter.admin.read-token", READ,
                    "eventrouter.admin.max-body", "1KiB",
                    "eventrouter.archive.embedded.port", s3Port)));
    probe = TestProbe.create(router.system());
    audit.start();
    ((Logger) LoggerFactory.getLogger("eventrouter.audit")).addAppender(audit);
  }

  @AfterAll
  static void stop() {
    ((Logger) LoggerFactory.getLogger("eventrouter.audit")).detachAppender(audit);
    router.close();
    blackHole.close();
  }

  // ---- authentication and scopes ----

  @Test
  void theOpenApiDocumentIsServedWithoutATokenAndNamesEveryEndpoint() throws Exception {
    HttpResponse<String> response = call("GET", "/admin/openapi.json", null, null);

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode paths = JSON.readTree(response.body()).get("paths");
    List<String> names = new ArrayList<>();
    paths.fieldNames().forEachRemaining(names::add);
    assertThat(names)
        .contains(
            "/admin/pairs/{source}/{destination}",
            "/admin/replay",
            "/admin/pairs/{source}/{destination}/jobs/{jobId}",
            "/admin/destinations/{destination}/pause");
  }

  @Test
  void everyEndpointRefusesAMissingOrWrongToken() throws Exception {
    for (String[] endpoint : endpoints()) {
      HttpResponse<String> none = call(endpoint[0], endpoint[1], null, endpoint[2]);
      assertThat(none.statusCode())
          .as("no token: " + endpoint[0] + " " + endpoint[1])
          .isEqualTo(401);
      assertThat(none.headers().firstValue("WWW-Authenticate"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
      assertThat(error(none)).contains("Bearer");
      assertThat(call(endpoint[0], endpoint[1], "not-the-token-at-all", endpoint[2]).statusCode())
          .as("wrong token: " + endpoint[1])
          .isEqualTo(401);
    }
  }

  @Test
  void aReadTokenMayLookButNotAct() throws Exception {
    for (String[] endpoint : endpoints()) {
      HttpResponse<String> response = call(endpoint[0], endpoint[1], READ, endpoint[2]);
      if (endpoint[0].equals("GET") && !endpoint[1].equals("/admin/registry")) {
        assertThat(response.statusCode()).as(endpoint[0] + " " + endpoint[1]).isIn(200, 404);
      } else {
        assertThat(response.statusCode()).as(endpoint[0] + " " + endpoint[1]).isEqualTo(403);
        assertThat(error(response)).contains("operate");
      }
    }
    assertThat(audit.list)
        .anySatisfy(
            event -> {
              assertThat(event.getFormattedMessage()).contains("reader").contains("403");
              assertThat(event.getFormattedMessage()).doesNotContain(READ);
            });
    assertThat(call("GET", "/admin/paused", READ, null).body()).doesNotContain("blog");
  }

  /**
   * Method, path, body of every endpoint the OpenAPI document names but itself: what is documented
   * exists and is protected.
   */
  private static List<String[]> endpoints() throws Exception {
    JsonNode paths =
        JSON.readTree(call("GET", "/admin/openapi.json", null, null).body()).get("paths");
    List<String[]> endpoints = new ArrayList<>();
    paths
        .fields()
        .forEachRemaining(
            path -> {
              if (path.getKey().equals("/admin/openapi.json")) {
                return;
              }
              String concrete =
                  path.getKey()
                      .replace("{source}", "blog")
                      .replace("{destination}", "held")
                      .replace("{jobId}", "0ujsswThIGTUYm2K8FjOOfXtY1K")
                      .replace("{replayId}", "no-such-replay")
                      .replace("{redriveId}", "no-such-redrive");
              path.getValue()
                  .fieldNames()
                  .forEachRemaining(
                      method -> {
                        if (!method.equals("parameters")) {
                          endpoints.add(
                              new String[] {
                                method.toUpperCase(java.util.Locale.ROOT),
                                concrete,
                                BODIES.get(concrete)
                              });
                        }
                      });
            });
    assertThat(endpoints).hasSizeGreaterThanOrEqualTo(15);
    return endpoints;
  }

  private static final Map<String, String> BODIES =
      Map.of(
          "/admin/replay",
              "{\"destination\":\"held\",\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2026-01-01T01:00:00Z\"}",
          "/admin/pairs/blog/held/limits", "{\"ratePerSecond\":5}",
          "/admin/registry", "sources {}");

  // ---- bad parameters ----

  @Test
  void badParametersGetA4xxThatSaysWhatIsWrong() throws Exception {
    assertThat(call("GET", "/admin/pairs/bad%7Cid/hook", READ, null))
        .satisfies(r -> assertThat(r.statusCode()).isEqualTo(400))
        .satisfies(r -> assertThat(error(r)).contains("source must match"));
    assertThat(call("GET", "/admin/pairs/nobody/hook", READ, null))
        .satisfies(r -> assertThat(r.statusCode()).isEqualTo(404))
        .satisfies(r -> assertThat(error(r)).contains("unknown pair"));
    // blog does not send to hook: a reader does not wake that pair's queue, an operator may
    assertThat(call("GET", "/admin/pairs/blog/hook", READ, null))
        .satisfies(r -> assertThat(r.statusCode()).isEqualTo(404))
        .satisfies(r -> assertThat(error(r)).contains("is not routed"));
    assertThat(call("GET", "/admin/pairs/blog/hook/jobs", READ, null).statusCode()).isEqualTo(404);
    assertThat(call("GET", "/admin/pairs/blog/hook", OPERATE, null).statusCode()).isEqualTo(200);
    assertThat(call("POST", "/admin/destinations/%27%3B%20DROP%20TABLE%20x/pause", OPERATE, null))
        .satisfies(r -> assertThat(r.statusCode()).isEqualTo(400));
    assertThat(call("GET", "/admin/pairs/shop/hook/jobs/not-a-ksuid", READ, null))
        .satisfies(r -> assertThat(r.statusCode()).isEqualTo(400))
        .satisfies(r -> assertThat(error(r)).contains("job id"));
    assertThat(call("GET", "/admin/pairs/shop/hook/jobs/0ujsswThIGTUYm2K8FjOOfXtY1K", READ, null))
        .satisfies(r -> assertThat(r.statusCode()).isEqualTo(404));
    assertThat(call("GET", "/admin/nothing-here", READ, null).statusCode()).isEqualTo(404);

    Map<String, String> replays =
        Map.of(
            "not json", "the body is not JSON",
            "[1,2]", "JSON object",
            "{\"destination\":\"hook\",\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2026-01-01T01:00:00Z\",\"drop\":true}",
                "unknown field 'drop'",
            "{\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2026-01-01T01:00:00Z\"}",
                "destination is required",
            "{\"destination\":\"hook\",\"from\":\"yesterday\",\"to\":\"2026-01-01T01:00:00Z\"}",
                "from is not an ISO-8601 instant",
            "{\"destination\":\"hook\",\"from\":\"2026-01-02T00:00:00Z\",\"to\":\"2026-01-01T01:00:00Z\"}",
                "from must be before to",
            "{\"destination\":\"h/../x\",\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2026-01-01T01:00:00Z\"}",
                "destination must match",
            "{\"destination\":\"hook\",\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2026-01-01T01:00:00Z\",\"force\":\"yes\"}",
                "force must be true or false",
            // which of two equal keys counts is up to the parser: refused, not guessed
            "{\"destination\":\"hook\",\"destinatio\\u006e\":\"other\",\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2026-01-01T01:00:00Z\"}",
                "Duplicate field 'destination'");
    for (Map.Entry<String, String> replay : replays.entrySet()) {
      HttpResponse<String> response = call("POST", "/admin/replay", OPERATE, replay.getKey());
      assertThat(response.statusCode()).as(replay.getKey()).isEqualTo(400);
      assertThat(error(response)).as(replay.getKey()).contains(replay.getValue());
    }
    assertThat(
            call(
                    "POST",
                    "/admin/replay",
                    OPERATE,
                    "{\"destination\":\"nowhere\",\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2026-01-01T01:00:00Z\"}")
                .statusCode())
        .isEqualTo(404);
    HttpResponse<String> large =
        call("POST", "/admin/replay", OPERATE, "{\"destination\":\"" + "x".repeat(4096) + "\"}");
    assertThat(large.statusCode()).as("a body over max-body: " + large.body()).isEqualTo(413);
  }

  // ---- limits and retry-now ----

  @Test
  void aPairsLimitsCanBeOverriddenAndCleared() throws Exception {
    HttpResponse<String> set =
        call(
            "PUT",
            "/admin/pairs/shop/hook/limits",
            OPERATE,
            "{\"ratePerSecond\":5,\"maxInFlight\":2}");
    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    JsonNode stats = JSON.readTree(call("GET", "/admin/pairs/shop/hook", READ, null).body());
    assertThat(stats.get("ratePerSecond").asInt()).isEqualTo(5);
    assertThat(stats.get("maxInFlight").asInt()).isEqualTo(2);
    assertThat(
            JSON.readTree(call("GET", "/admin/paused", READ, null).body()).get("limits").toString())
        .contains("shop")
        .contains("\"ratePerSecond\":5");

    assertThat(call("DELETE", "/admin/pairs/shop/hook/limits", OPERATE, null).statusCode())
        .isEqualTo(200);
    stats = JSON.readTree(call("GET", "/admin/pairs/shop/hook", READ, null).body());
    assertThat(stats.get("ratePerSecond").asInt()).isZero();
    assertThat(stats.get("maxInFlight").asInt()).isEqualTo(32);

    Map<String, String> bad =
        Map.of(
            "{\"ratePerSecond\":-1}", "ratePerSecond must be 0",
            "{\"maxInFlight\":0}", "maxInFlight must be at least 1",
            "{\"maxInFlight\":\"many\"}", "maxInFlight must be a whole number",
            "{\"ratePerSecond\":1.5}", "ratePerSecond must be a whole number",
            "{\"burst\":3}", "unknown field 'burst'",
            "{\"maxInFlight\":1,\"maxInFlight\":50}", "Duplicate field 'maxInFlight'");
    for (Map.Entry<String, String> body : bad.entrySet()) {
      HttpResponse<String> response =
          call("PUT", "/admin/pairs/shop/hook/limits", OPERATE, body.getKey());
      assertThat(response.statusCode()).as(body.getKey()).isEqualTo(400);
      assertThat(error(response)).as(body.getKey()).contains(body.getValue());
    }
    assertThat(
            JSON.readTree(call("GET", "/admin/pairs/shop/hook", READ, null).body())
                .get("maxInFlight")
                .asInt())
        .as("nothing changed")
        .isEqualTo(32);
  }

  @Test
  void retryNowAnswersHowManyJobsItConcerns() throws Exception {
    HttpResponse<String> response = call("POST", "/admin/pairs/shop/hook/retry-now", OPERATE, null);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(response.body()).get("jobs").asInt()).isZero();
  }

  // ---- pause, resume, stats ----

  @Test
  void jobsSentToAPausedDestinationAreHeldAndAllDeliveredOnResume() throws Exception {
    assertThat(call("POST", "/admin/destinations/held/pause", OPERATE, null).statusCode())
        .isEqualTo(200);
    assertThat(
            JSON.readTree(call("GET", "/admin/paused", READ, null).body()).get("paused").toString())
        .contains("held");

    List<String> sent = produce("blog", 40);
    // accepted (committed) while paused: every job is in the journal, and none was sent
    probe.awaitAssert(
        WAIT,
        Duration.ofMillis(200),
        () -> {
          assertThat(
                  JSON.readTree(call("GET", "/admin/pairs/blog/held", READ, null).body())
                      .get("depth")
                      .asInt())
              .isEqualTo(40);
          return null;
        });
    assertThat(blackHole.deliveries().getOrDefault("held", Map.of())).isEmpty();
    JsonNode stats = JSON.readTree(call("GET", "/admin/pairs/blog/held", READ, null).body());
    assertThat(stats.get("paused").asBoolean()).isTrue();
    assertThat(stats.get("oldestJobAgeSeconds").asLong()).isGreaterThanOrEqualTo(0);
    JsonNode summary = JSON.readTree(call("GET", "/admin/destinations/held", READ, null).body());
    assertThat(summary.get("depth").asInt()).isEqualTo(40);
    assertThat(summary.get("largestBacklogs").get(0).get("source").asText()).isEqualTo("blog");
    assertThat(
            JSON.readTree(call("GET", "/admin/pairs?top=3", READ, null).body())
                .get("pairs")
                .toString())
        .contains("{\"source\":\"blog\",\"destination\":\"held\",\"depth\":40}");
    assertThat(call("GET", "/admin/pairs?top=0", READ, null).statusCode()).isEqualTo(400);
    assertThat(call("GET", "/admin/pairs?top=lots", READ, null).statusCode()).isEqualTo(400);
    String metrics = TestRouter.get(router, "/metrics").body();
    assertThat(Metrics.value(metrics, "eventrouter_backlog_jobs{destination=\"held\"}"))
        .isEqualTo(40);
    assertThat(Metrics.value(metrics, "eventrouter_journal_write_events_count")).isPositive();
    assertThat(Metrics.value(metrics, "eventrouter_kafka_consumer_lag_records")).isZero();
    // the oldest job's age is looked up less often than the depth is told
    probe.awaitAssert(
        WAIT,
        Duration.ofMillis(500),
        () -> {
          String held = TestRouter.get(router, "/metrics").body();
          assertThat(held)
              .contains("eventrouter_backlog_oldest_job_age_seconds{destination=\"held\"}");
          assertThat(
                  Metrics.value(
                      held, "eventrouter_backlog_oldest_job_age_seconds{destination=\"held\"}"))
              .as("the jobs were produced during this test")
              .isLessThan(WAIT.toSeconds() * 2);
          return null;
        });

    assertThat(call("POST", "/admin/destinations/held/resume", OPERATE, null).statusCode())
        .isEqualTo(200);
    probe.awaitAssert(
        WAIT,
        Duration.ofMillis(200),
        () -> {
          assertThat(blackHole.deliveries().getOrDefault("held", Map.of()).keySet())
              .containsExactlyInAnyOrderElementsOf(sent);
          return null;
        });
    assertThat(audit.list)
        .anySatisfy(
            event ->
                assertThat(event.getFormattedMessage())
                    .contains("pause")
                    .contains("held")
                    .contains("admin"));
    // the outcomes are persisted, and counted, a moment after the destination answered
    probe.awaitAssert(
        WAIT,
        Duration.ofMillis(200),
        () -> {
          String after = TestRouter.get(router, "/metrics").body();
          assertThat(Metrics.value(after, "eventrouter_delivery_latency_seconds_count"))
              .isGreaterThanOrEqualTo(40);
          assertThat(
                  Metrics.value(
                      after, "eventrouter_delivery_attempt_seconds_count{outcome=\"succeeded\"}"))
              .isGreaterThanOrEqualTo(40);
          assertThat(after).contains("eventrouter_breaker_state{destination=\"held\"}");
          assertThat(Metrics.value(after, "eventrouter_breaker_state{destination=\"held\"}"))
              .isZero();
          return null;
        });
    // what the console reads: every destination with its attempts here, a pair's latest jobs
    probe.awaitAssert(
        WAIT,
        Duration.ofMillis(200),
        () -> {
          JsonNode held = null;
          for (JsonNode d :
              JSON.readTree(call("GET", "/admin/destinations", READ, null).body())
                  .get("destinations")) {
            if (d.get("destination").asText().equals("held")) {
              held = d;
            }
          }
          assertThat(held).isNotNull();
          assertThat(held.get("delivered").asInt()).isGreaterThanOrEqualTo(40);
          assertThat(held.get("failed").asInt()).isZero();
          assertThat(held.get("depth").asInt()).isZero();
          assertThat(held.get("paused").asBoolean()).isFalse();
          assertThat(held.get("breaker").asText()).isEqualTo("CLOSED");
          assertThat(held.get("concurrencyLimit").asInt()).isPositive();
          assertThat(held.get("concurrencyInUse").asInt()).isZero();
          JsonNode jobs =
              JSON.readTree(call("GET", "/admin/pairs/blog/held/jobs", READ, null).body());
          assertThat(jobs.get("jobs")).hasSize(10);
          assertThat(jobs.get("jobs").get(0).get("state").asText()).isEqualTo("succeeded");
          return null;
        });
    JsonNode whoami = JSON.readTree(call("GET", "/admin/whoami", READ, null).body());
    assertThat(whoami.get("name").asText()).isEqualTo("reader");
    assertThat(whoami.get("scope").asText()).isEqualTo("read");
  }

  // ---- flush, archive, replay ----

  @Test
  void aFlushedPairIsArchivedAndAReplayDeliversEveryJobOnceEvenWhenAskedTwice() throws Exception {
    Instant from = Instant.now().minus(Duration.ofMinutes(1));
    assertThat(call("POST", "/admin/pairs/shop/flushed/pause", OPERATE, null).statusCode())
        .isEqualTo(200);
    // in two groups, the second accepted after the first: two creation times to cut between
    List<String> sent = new ArrayList<>(produce("shop", 15));
    awaitDepth("/admin/pairs/shop/flushed", 15);
    sent.addAll(produce("shop", 15));
    awaitDepth("/admin/pairs/shop/flushed", 30);

    HttpResponse<String> flushed = call("POST", "/admin/pairs/shop/flushed/flush", OPERATE, null);
    assertThat(flushed.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(flushed.body()).get("jobs").asInt()).isEqualTo(30);
    probe.awaitAssert(
        WAIT,
        Duration.ofMillis(200),
        () -> {
          assertThat(
                  JSON.readTree(call("GET", "/admin/pairs/shop/flushed", READ, null).body())
                      .get("depth")
                      .asInt())
              .isZero();
          return null;
        });
    assertThat(blackHole.deliveries().getOrDefault("flushed", Map.of())).isEmpty();
    assertThat(call("POST", "/admin/pairs/shop/flushed/resume", OPERATE, null).statusCode())
        .isEqualTo(200);

    // a range that ends inside the objects' hour, then the whole hour: each job once
    Instant cut =
        archivedJobs(new PairId("shop", "flushed")).stream()
            .map(Job::createdAt)
            .max(Comparator.naturalOrder())
            .orElseThrow();
    long beforeCut =
        archivedJobs(new PairId("shop", "flushed")).stream()
            .filter(job -> job.createdAt().isBefore(cut))
            .count();
    assertThat(beforeCut).isGreaterThanOrEqualTo(15);
    JsonNode part =
        replay(
            "{\"source\":\"shop\",\"destination\":\"flushed\",\"from\":\""
                + from
                + "\",\"to\":\""
                + cut
                + "\"}");
    assertThat(part.get("enqueued").asLong()).isEqualTo(beforeCut);
    String replay =
        "{\"source\":\"shop\",\"destination\":\"flushed\",\"from\":\""
            + from
            + "\",\"to\":\""
            + Instant.now().plus(Duration.ofMinutes(1))
            + "\"}";
    JsonNode rest = replay(replay);
    assertThat(rest.get("enqueued").asLong()).isEqualTo(30 - beforeCut);
    assertThat(rest.get("duplicates").asLong()).isZero();
    // again, from the command line: the objects replayed whole are skipped
    Path tokenFile = Files.writeString(dataDir.resolve("operate.token"), OPERATE + "\n");
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new Main()).setOut(new PrintWriter(out));
    int exit =
        cli.execute(
            "replay",
            "--source",
            "shop",
            "--destination",
            "flushed",
            "--from",
            from.toString(),
            "--to",
            Instant.now().plus(Duration.ofMinutes(1)).toString(),
            "--url",
            "http://127.0.0.1:" + router.httpPort(),
            "--token-file",
            tokenFile.toString());
    assertThat(exit).as(out.toString()).isZero();
    assertThat(JSON.readTree(out.toString()).get("status").asText()).isEqualTo("DONE");
    assertThat(JSON.readTree(out.toString()).get("report").get("enqueued").asInt()).isZero();
    assertThat(JSON.readTree(out.toString()).get("report").get("skipped").asInt()).isPositive();
    assertThat(
            new CommandLine(new Main())
                .setErr(new PrintWriter(new StringWriter()))
                .execute(
                    "replay", "--destination", "flushed", "--from", "yesterday", "--to", "now"))
        .isEqualTo(2);
    JsonNode forced = replay(replay.replace("}", ",\"force\":true}"));
    assertThat(forced.get("duplicates").asInt()).as("held once by its queue").isEqualTo(30);

    probe.awaitAssert(
        WAIT,
        Duration.ofMillis(200),
        () -> {
          assertThat(blackHole.deliveries().getOrDefault("flushed", Map.of()).keySet())
              .containsExactlyInAnyOrderElementsOf(sent);
          return null;
        });
    assertThat(blackHole.deliveries().get("flushed").values())
        .allSatisfy(n -> assertThat(n).isEqualTo(1));
    assertThat(
            Metrics.value(
                TestRouter.get(router, "/metrics").body(), "eventrouter_jobs_replayed_total"))
        .isEqualTo(30);

    // the trace of a replayed job names the archived one and ends delivered
    Job archived = archivedJobs(new PairId("shop", "flushed")).get(0);
    Job replayed = archived.replay(Instant.now(), Duration.ofHours(1));
    probe.awaitAssert(
        WAIT,
        Duration.ofMillis(200),
        () -> {
          JsonNode trace =
              JSON.readTree(
                  call("GET", "/admin/pairs/shop/flushed/jobs/" + replayed.id(), READ, null)
                      .body());
          assertThat(trace.get("steps").get(0).get("state").asText())
              .isEqualTo("awaiting_scheduling");
          assertThat(trace.get("steps").get(0).get("replayOf").asText())
              .isEqualTo(archived.id().toString());
          assertThat(trace.get("steps").get(trace.get("steps").size() - 1).get("state").asText())
              .isEqualTo("succeeded");
          return null;
        });
  }

  /** Starts a replay and waits for its report. */
  private static JsonNode replay(String body) throws Exception {
    HttpResponse<String> started = call("POST", "/admin/replay", OPERATE, body);
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    String location = started.headers().firstValue("Location").orElseThrow();
    AtomicReference<JsonNode> report = new AtomicReference<>();
    probe.awaitAssert(
        WAIT,
        Duration.ofMillis(100),
        () -> {
          JsonNode status = JSON.readTree(call("GET", location, READ, null).body());
          assertThat(status.get("status").asText()).isEqualTo("DONE");
          report.set(status.get("report"));
          return null;
        });
    return report.get();
  }

  private static void awaitDepth(String pairPath, int depth) {
    probe.awaitAssert(
        WAIT,
        Duration.ofMillis(200),
        () -> {
          assertThat(JSON.readTree(call("GET", pairPath, READ, null).body()).get("depth").asInt())
              .isEqualTo(depth);
          return null;
        });
  }

  private static List<Job> archivedJobs(PairId pair) {
    ArchiveSettings settings =
        ArchiveSettings.fromConfig(router.system().settings().config(), dataDir);
    try (ArchiveStore store =
        ArchiveStore.connect(settings, URI.create("http://127.0.0.1:" + s3Port))) {
      ArchiveKeys keys = new ArchiveKeys(settings.prefix());
      return store.keys(keys.pairPrefix(pair)).stream()
          .flatMap(key -> ArchiveRecords.read(store.get(key)).records().stream())
          .map(ArchiveRecords.Record::job)
          .toList();
    }
  }

  private static List<String> produce(String source, int events) {
    EventProducer.Result produced =
        EventProducer.run(
            new EventProducer.Plan(
                router.kafkaBootstrapServers(), "events", events, List.of(source), 200, 0, 5));
    assertThat(produced.failed()).isZero();
    Set<String> ids =
        produced.produced().stream()
            .map(EventProducer.Produced::messageId)
            .collect(Collectors.toSet());
    return List.copyOf(ids);
  }

  private static HttpResponse<String> call(String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.httpPort() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String error(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body()).get("error").asText();
  }
}
