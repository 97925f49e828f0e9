package dev.eventrouter.router.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.Config;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.loadtest.run.RouterProcess;
import dev.eventrouter.persistence.testing.TestJournals;
import dev.eventrouter.persistence.testing.TestServer;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.testing.DeliveryAudit;
import dev.eventrouter.router.testing.HostCommand;
import dev.eventrouter.router.testing.TestRouter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL, the journal, stopped for 30 seconds under load, then started again: ingest waits
 * (offsets are not committed without the journal), queues retry their writes, and the audit finds
 * every acknowledged event delivered. It stops the local server with {@code pg_ctlcluster} (as
 * {@code .ci/run} starts it), and always starts it again; skipped where the machine has no such
 * server (the suites then run on one they started).
 */
@ExtendWith(LogCapturingExtension.class)
class PostgresOutageIT {

  private static final Duration OUTAGE = Duration.ofSeconds(30);
  private static final List<String> SOURCES =
      List.of("source-1", "source-2", "source-3", "source-4");

  @TempDir Path dir;

  @Test
  void thirtySecondsWithoutTheJournalLoseNothing() throws Exception {
    Config postgres = TestJournals.postgresEmptied();
    assumeTrue(
        !TestServer.POSTGRES.started() && HostCommand.onPath("pg_ctlcluster").isPresent(),
        "PostgresOutageIT SKIPPED: it stops and restarts the machine's PostgreSQL with pg_ctlcluster;"
            + " here there is no pg_ctlcluster, or the suites run on a PostgreSQL they started");
    try (BlackHole blackHole = BlackHole.start("127.0.0.1", 0)) {
      Path registry = dir.resolve("registry.conf");
      Files.writeString(
          registry,
          "destinations { hook { endpoint = \""
              + blackHole.url("hook")
              + "\" } }\n"
              + "sources { "
              + SOURCES.stream()
                  .map(s -> s + " { destinations = [hook] }")
                  .collect(Collectors.joining("\n"))
              + " }\n");
      Map<String, Object> settings = new HashMap<>();
      for (String key : List.of("database", "url", "user")) {
        settings.put(
            "eventrouter.journal." + key, postgres.getString("eventrouter.journal." + key));
      }
      try (Router router = TestRouter.start(TestRouter.config(dir, registry, settings))) {
        long started = System.nanoTime();
        CompletableFuture<EventProducer.Result> producing =
            CompletableFuture.supplyAsync(
                () ->
                    EventProducer.run(
                        new EventProducer.Plan(
                            router.kafkaBootstrapServers(),
                            "events",
                            3_000,
                            SOURCES,
                            256,
                            100,
                            13)));
        RouterProcess.await(
            "500 deliveries", Duration.ofSeconds(60), () -> blackHole.received() >= 500);

        List<Map<String, Object>> faults = new ArrayList<>();
        Map<String, Object> stop = DeliveryAudit.fault("PostgreSQL stopped", started);
        stop.put("deliveredBefore", blackHole.received());
        faults.add(stop);
        try {
          postgres("stop");
          // the outage itself: what the router has to ride out
          Thread.sleep(OUTAGE.toMillis());
          Map<String, Object> during = DeliveryAudit.fault("PostgreSQL started again", started);
          during.put(
              "deliveredDuringOutage", blackHole.received() - (long) stop.get("deliveredBefore"));
          faults.add(during);
        } finally {
          postgres("start");
        }
        long receivedAtStart = blackHole.received();
        RouterProcess.await(
            "deliveries after the journal is back",
            Duration.ofSeconds(120),
            () -> blackHole.received() > receivedAtStart);
        faults.add(DeliveryAudit.fault("first delivery after it is back", started));

        DeliveryAudit.Report report =
            DeliveryAudit.audit(
                "postgres-outage",
                producing.get(),
                source -> List.of("hook"),
                DeliveryAudit.of(blackHole),
                Duration.ofSeconds(240),
                started,
                faults);

        assertThat(report.producerFailures()).isZero();
        assertThat(report.lost()).as("lost, first of them: " + report.missing()).isZero();
      }
    }
  }

  /** {@code pg_ctlcluster <version> main <action>}, waiting for it. */
  private static void postgres(String action) throws IOException, InterruptedException {
    String version;
    try (Stream<Path> versions = Files.list(Path.of("/etc/postgresql"))) {
      version = versions.map(p -> p.getFileName().toString()).sorted().findFirst().orElseThrow();
    }
    List<String> command =
        new ArrayList<>(
            List.of("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action));
    if (action.equals("stop")) {
      command.addAll(List.of("-m", "fast"));
    }
    Process process = new ProcessBuilder(command).inheritIO().start();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("pg_ctlcluster " + action + " failed");
    }
  }
}
