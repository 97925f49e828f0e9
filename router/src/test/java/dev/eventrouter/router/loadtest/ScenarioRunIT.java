package dev.eventrouter.router.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.loadtest.LoadTest;
import dev.eventrouter.loadtest.run.RouterProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The load test's {@code run} as a user runs it, against the packaged router: a small scenario in
 * which every outcome happens (delivered, through an outage; discarded, as a destination rejects
 * some events with 400; archived, as a dead destination's jobs expire), audited to lost = 0, with
 * its summary and report written.
 */
@ExtendWith(LogCapturingExtension.class)
class ScenarioRunIT {

  @TempDir Path dir;

  @Test
  void runsAScenarioEndToEndAndAccountsForEveryJob() throws Exception {
    Path scenario = dir.resolve("mixed.conf");
    Files.writeString(
        scenario,
        """
        name = mixed
        duration = 12s
        rate = 150
        drain-timeout = 3m
        sources { count = 20, skew = 1.0 }
        payload { median = 1KiB, max = 8KiB }
        destinations {
          flaky { behaviour.outages = [{ start = 3s, length = 4s, success-rate = 0.15 }]
                  settings { retry { base = 200ms, cap = 1s }, breaker.open-for = 1s } }
          picky { share-of-sources = 0.5, behaviour.reject-rate = 0.1 }
          dead { share-of-sources = 0.3, behaviour.outages = [{ start = 0s, length = 1h }],
                 settings { expire-after = 4s, retry { base = 200ms, cap = 1s } } }
        }
        router { jar = "%s", heap = 512m }
        """
            .formatted(System.getProperty("router.jar")));
    Path out = dir.resolve("out");

    String console = runsAndPasses(scenario, out);

    assertThat(console).contains("produced/s=", "delivered/s=", "backlog=", "p99=", "PASSED");
    JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    JsonNode total = summary.at("/audit/total");
    assertThat(total.get("lost").asLong()).isZero();
    assertThat(
            total.get("delivered").asLong()
                + total.get("discarded").asLong()
                + total.get("archived").asLong())
        .isEqualTo(total.get("jobs").asLong());
    assertThat(summary.at("/audit/produced").asLong()).isEqualTo(1_800);
    assertThat(summary.at("/audit/byDestination/flaky/delivered").asLong()).isEqualTo(1_800);
    assertThat(summary.at("/audit/byDestination/picky/discarded").asLong()).isPositive();
    assertThat(summary.at("/audit/byDestination/dead/archived").asLong())
        .isEqualTo(summary.at("/audit/byDestination/dead/jobs").asLong())
        .isPositive();
    assertThat(summary.get("samples").size()).isGreaterThan(10);
    assertThat(summary.get("retriesByAttempt").size()).isPositive();
    assertThat(summary.get("outages").findValuesAsText("destination"))
        .containsExactly("dead", "flaky");
    String report = Files.readString(out.resolve("report.html"));
    assertThat(report)
        .contains("PASSED", "<svg", "flaky", "picky", "dead")
        .doesNotContain("<script");
  }

  /**
   * {@code router.mode = external}: a router already running (with no sources at all) is given the
   * scenario's registry through its admin API, and the archive is read from its S3.
   */
  @Test
  void drivesARunningRouterThroughItsAdminApi() throws Exception {
    String token = "scenario-operator-token";
    int blackHolePort = RouterProcess.freePort();
    try (RouterProcess router =
        new RouterProcess(
                Path.of(System.getProperty("router.jar")), dir, Map.of("ROUTER_ADMIN_TOKEN", token))
            .start()) {
      router.awaitReady(Duration.ofSeconds(90));
      Path scenario = dir.resolve("external.conf");
      Files.writeString(
          scenario,
          """
          name = external
          duration = 6s
          rate = 100
          drain-timeout = 2m
          sources { count = 10, skew = 0 }
          payload { median = 512B, max = 512B }
          destinations {
            hook {}
            gone { share-of-sources = 0.5, behaviour.reject-rate = 1 }
            dead { share-of-sources = 0.5, behaviour.outages = [{ start = 0s, length = 1h }],
                   settings { expire-after = 3s, retry { base = 200ms, cap = 1s } } }
          }
          router {
            mode = external
            bootstrap-servers = "%s"
            urls = ["http://127.0.0.1:%d"]
            admin-token = "%s"
            black-hole { host = "127.0.0.1", port = %d, url = "http://127.0.0.1:%d" }
            s3 { endpoint = "%s", region = us-east-1, bucket = eventrouter-archive, prefix = archive,
                 access-key-id = eventrouter, secret-access-key = eventrouter-local }
          }
          """
              .formatted(
                  router.kafkaBootstrapServers(),
                  router.httpPort(),
                  token,
                  blackHolePort,
                  blackHolePort,
                  router.s3Endpoint()));
      runsAndPasses(scenario, dir.resolve("external-out"));

      JsonNode total =
          new ObjectMapper()
              .readTree(dir.resolve("external-out/summary.json").toFile())
              .at("/audit/total");
      assertThat(total.get("lost").asLong()).isZero();
      assertThat(total.get("delivered").asLong()).isEqualTo(600);
      assertThat(total.get("discarded").asLong()).isPositive();
      assertThat(total.get("archived").asLong()).isPositive();
    }
  }

  /** {@code loadtest run} as a user runs it; asserts exit 0 and returns what it printed. */
  private static String runsAndPasses(Path scenario, Path out) {
    StringWriter console = new StringWriter();
    int exit =
        new CommandLine(new LoadTest())
            .setOut(new PrintWriter(console))
            .execute("run", scenario.toString(), "--out", out.toString());
    assertThat(exit).as(console.toString()).isZero();
    return console.toString();
  }
}
