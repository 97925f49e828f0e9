package dev.eventrouter.router.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.loadtest.run.RouterProcess;
import dev.eventrouter.router.testing.DeliveryAudit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection: the packaged router (with its embedded broker) is killed with SIGKILL three
 * times while events are produced and delivered, and started again each time on the same data. The
 * audit: every acknowledged event is delivered to every destination of its source; lost must be 0;
 * duplicates (at-least-once after a kill) are reported. The figures are written to {@code
 * target/reliability/sigkill.json} and quoted in RELIABILITY.md.
 */
@ExtendWith(LogCapturingExtension.class)
class SigkillIT {

  private static final int EVENTS = 6_000;
  private static final int KILLS = 3;

  @TempDir Path dir;

  @Test
  void threeSigkillsUnderLoadLoseNothing() throws Exception {
    Path jar = Path.of(System.getProperty("router.jar"));
    List<String> sources = IntStream.rangeClosed(1, 8).mapToObj(i -> "source-" + i).toList();
    try (BlackHole blackHole = BlackHole.start("127.0.0.1", 0)) {
      Path registry = dir.resolve("registry.conf");
      Files.writeString(
          registry,
          """
          destinations { hook { endpoint = "%s" }, crm { endpoint = "%s" } }
          sources { %s }
          """
              .formatted(
                  blackHole.url("hook"),
                  blackHole.url("crm"),
                  sources.stream()
                      .map(
                          s ->
                              s
                                  + " { destinations = [hook"
                                  + (s.endsWith("1") || s.endsWith("2") ? ", crm" : "")
                                  + "] }")
                      .collect(Collectors.joining("\n"))));
      try (RouterProcess router =
          new RouterProcess(jar, dir, Map.of("ROUTER_REGISTRY_FILE", registry.toString()))
              .start()) {
        router.awaitReady(Duration.ofSeconds(90));
        long started = System.nanoTime();
        CompletableFuture<EventProducer.Result> producing =
            CompletableFuture.supplyAsync(
                () ->
                    EventProducer.run(
                        new EventProducer.Plan(
                            router.kafkaBootstrapServers(),
                            "events",
                            EVENTS,
                            sources,
                            512,
                            300,
                            42)));

        Function<String, List<String>> destinationsOf =
            source ->
                source.equals("source-1") || source.equals("source-2")
                    ? List.of("hook", "crm")
                    : List.of("hook");
        // a kill after the last job was delivered leaves nothing to deliver after the restart
        BooleanSupplier allDelivered =
            () ->
                producing.isDone()
                    && blackHole.received() - blackHole.duplicates()
                        >= producing.join().produced().stream()
                            .mapToLong(event -> destinationsOf.apply(event.source()).size())
                            .sum();
        List<Map<String, Object>> kills = new ArrayList<>();
        for (int kill = 1; kill <= KILLS; kill++) {
          long deliveredBefore = kill * 1_000L;
          router.awaitShowingLog(
              deliveredBefore + " deliveries",
              Duration.ofSeconds(120),
              () -> blackHole.received() >= deliveredBefore);
          Map<String, Object> figures = DeliveryAudit.fault("SIGKILL " + kill, started);
          long killedAt = System.nanoTime();
          long receivedAtKill = blackHole.received();
          router.kill();
          router.start();
          router.awaitReady(Duration.ofSeconds(120));
          long readyAt = System.nanoTime();
          router.awaitShowingLog(
              "deliveries after restart " + kill,
              Duration.ofSeconds(120),
              () -> blackHole.received() > receivedAtKill || allDelivered.getAsBoolean());
          figures.put("deliveredBeforeKill", receivedAtKill);
          figures.put("secondsToReady", (readyAt - killedAt) / 1e9);
          figures.put("secondsToFirstDelivery", (System.nanoTime() - killedAt) / 1e9);
          kills.add(figures);
        }

        EventProducer.Result produced = producing.get();
        DeliveryAudit.Report report =
            DeliveryAudit.audit(
                "sigkill",
                produced,
                destinationsOf,
                DeliveryAudit.of(blackHole),
                Duration.ofSeconds(180),
                started,
                kills);

        assertThat(produced.failed()).as("the producer lost nothing either").isZero();
        assertThat(report.lost()).as("lost jobs, first of them: " + report.missing()).isZero();
      }
    }
  }
}
