package dev.eventrouter.router.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.loadtest.audit.ArchiveReader;
import dev.eventrouter.loadtest.audit.Audit;
import dev.eventrouter.loadtest.blackhole.BlackHole;
import dev.eventrouter.loadtest.produce.EventProducer;
import dev.eventrouter.loadtest.run.RouterProcess;
import dev.eventrouter.loadtest.scenario.Scenario;
import dev.eventrouter.router.Router;
import dev.eventrouter.router.archive.ArchiveSettings;
import dev.eventrouter.router.archive.EmbeddedS3;
import dev.eventrouter.router.kafka.EmbeddedKafka;
import dev.eventrouter.router.testing.DeliveryAudit;
import dev.eventrouter.router.testing.Metrics;
import dev.eventrouter.router.testing.TestRouter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults injected under load, each audited: every acknowledged event delivered, lost 0. The figures
 * go to {@code target/reliability/} and RELIABILITY.md.
 */
@ExtendWith(LogCapturingExtension.class)
class FaultsUnderLoadTest {

  private static final List<String> SOURCES =
      List.of("source-1", "source-2", "source-3", "source-4");

  @TempDir Path dir;

  /** A destination that is up for two seconds, then answers 503 for two, and so on. */
  @Test
  void aDestinationFlappingEveryTwoSecondsGetsEverything() throws Exception {
    Map<String, Map<String, Integer>> delivered = new ConcurrentHashMap<>();
    AtomicLong refused = new AtomicLong();
    long epoch = System.nanoTime();
    HttpServer flapping = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    flapping.createContext(
        "/flapping",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          boolean up = ((System.nanoTime() - epoch) / 2_000_000_000L) % 2 == 0;
          if (up) {
            delivered
                .computeIfAbsent("flapping", d -> new ConcurrentHashMap<>())
                .merge(exchange.getRequestHeaders().getFirst("X-Message-Id"), 1, Integer::sum);
          } else {
            refused.incrementAndGet();
          }
          exchange.sendResponseHeaders(up ? 200 : 503, -1);
          exchange.close();
        });
    flapping.start();
    Path registry =
        registry(
            "flapping { endpoint = \"http://127.0.0.1:"
                + flapping.getAddress().getPort()
                + "/flapping\", breaker.open-for = 1s }");
    try (Router router = TestRouter.start(TestRouter.config(dir, registry, Map.of()))) {
      long started = System.nanoTime();
      Map<String, Object> fault =
          DeliveryAudit.fault("destination flapping every 2 s, from the start", started);
      EventProducer.Result produced =
          EventProducer.run(
              new EventProducer.Plan(
                  router.kafkaBootstrapServers(), "events", 2_000, SOURCES, 256, 250, 7));
      fault.put("answeredWith503WhileProducing", refused.get());

      DeliveryAudit.Report report =
          DeliveryAudit.audit(
              "flapping-destination",
              produced,
              source -> List.of("flapping"),
              DeliveryAudit.delivered(() -> delivered),
              Duration.ofSeconds(120),
              started,
              List.of(fault));

      assertThat(refused.get()).as("the destination did fail").isPositive();
      assertThat(report.lost()).as("lost, first of them: " + report.missing()).isZero();
    } finally {
      flapping.stop(0);
    }
  }

  /** The Kafka broker (not embedded in the router) stopped for five seconds mid-run. */
  @Test
  void aKafkaBrokerRestartUnderLoadLosesNothing() throws Exception {
    Config brokerConfig =
        ConfigFactory.parseMap(
            Map.of(
                "host",
                "127.0.0.1",
                "port",
                TestRouter.freePort(),
                "controller-port",
                TestRouter.freePort(),
                "message-max-bytes",
                "8MiB"));
    Path brokerDir = dir.resolve("broker");
    EmbeddedKafka broker = EmbeddedKafka.start(brokerConfig, brokerDir);
    String bootstrap = broker.bootstrapServers();
    try (BlackHole blackHole = BlackHole.start("127.0.0.1", 0)) {
      Path registry = registry("hook { endpoint = \"" + blackHole.url("hook") + "\" }");
      try (Router router =
          TestRouter.start(
              TestRouter.config(
                  dir.resolve("router"),
                  registry,
                  Map.of("eventrouter.kafka.bootstrap-servers", bootstrap)))) {
        long started = System.nanoTime();
        CompletableFuture<EventProducer.Result> producing =
            CompletableFuture.supplyAsync(
                () ->
                    EventProducer.run(
                        new EventProducer.Plan(bootstrap, "events", 3_000, SOURCES, 256, 200, 11)));
        RouterProcess.await(
            "1,000 deliveries", Duration.ofSeconds(60), () -> blackHole.received() >= 1_000);

        List<Map<String, Object>> faults = new ArrayList<>();
        Map<String, Object> stop = DeliveryAudit.fault("broker stopped", started);
        stop.put("deliveredBefore", blackHole.received());
        faults.add(stop);
        broker.close();
        // the outage: what the router and the producer have to ride out
        Thread.sleep(5_000);
        broker = EmbeddedKafka.start(brokerConfig, brokerDir);
        faults.add(DeliveryAudit.fault("broker started again", started));
        long receivedAtRestart = blackHole.received();
        RouterProcess.await(
            "deliveries after the broker restart",
            Duration.ofSeconds(120),
            () -> blackHole.received() > receivedAtRestart);
        faults.add(DeliveryAudit.fault("first delivery after the restart", started));

        DeliveryAudit.Report report =
            DeliveryAudit.audit(
                "kafka-restart",
                producing.get(),
                source -> List.of("hook"),
                DeliveryAudit.of(blackHole),
                Duration.ofSeconds(120),
                started,
                faults);

        assertThat(report.producerFailures()).isZero();
        assertThat(report.lost()).as("lost, first of them: " + report.missing()).isZero();
      }
    } finally {
      broker.close();
    }
  }

  /** S3 down while jobs for a dead destination expire under load; nothing is lost. */
  @Test
  void s3DownWhileJobsExpireUnderLoadLosesNothing() throws Exception {
    int s3Port = TestRouter.freePort();
    ArchiveSettings server =
        new ArchiveSettings(
            "",
            "us-east-1",
            "",
            "",
            "outage-archive",
            true,
            true,
            "archive",
            4,
            16,
            Duration.ofSeconds(10),
            Duration.ofSeconds(30),
            "127.0.0.1",
            s3Port,
            dir.resolve("s3-server"),
            "tester",
            "tester-secret");
    Path registry =
        registry(
            "gone { endpoint = \"http://127.0.0.1:"
                + TestRouter.freePort()
                + "/gone\", expire-after = 3s }");
    EmbeddedS3 s3 = EmbeddedS3.start(server);
    try (Router router =
        TestRouter.start(
            TestRouter.config(
                dir.resolve("router"),
                registry,
                Map.of(
                    "eventrouter.archive.s3.endpoint",
                    "http://127.0.0.1:" + s3Port,
                    "eventrouter.archive.s3.bucket",
                    "outage-archive",
                    "eventrouter.archive.s3.access-key-id",
                    "tester",
                    "eventrouter.archive.s3.secret-access-key",
                    "tester-secret")))) {
      long started = System.nanoTime();
      List<Map<String, Object>> faults = new ArrayList<>();
      faults.add(DeliveryAudit.fault("S3 stopped; the destination is down", started));
      s3.close();
      EventProducer.Result produced =
          EventProducer.run(
              new EventProducer.Plan(
                  router.kafkaBootstrapServers(), "events", 1_000, SOURCES, 256, 200, 17));
      RouterProcess.await(
          "archiving to fail",
          Duration.ofSeconds(60),
          () -> metric(router, "eventrouter_archive_failures_total") > 0);
      s3 = EmbeddedS3.start(server);
      faults.add(DeliveryAudit.fault("S3 started again", started));

      // the archive read as any S3 client reads it
      Scenario.ArchiveLocation archive =
          new Scenario.ArchiveLocation(
              "http://127.0.0.1:" + s3Port,
              "us-east-1",
              "outage-archive",
              "archive",
              "tester",
              "tester-secret");
      DeliveryAudit.Report report =
          DeliveryAudit.audit(
              "s3-outage",
              produced,
              source -> List.of("gone"),
              () -> new Audit.Evidence(Map.of(), Map.of(), ArchiveReader.archived(archive)),
              Duration.ofSeconds(120),
              started,
              faults);

      assertThat(report.lost())
          .as("neither delivered nor archived, first of them: " + report.missing())
          .isZero();
      assertThat(report.archived()).isEqualTo(report.jobs());
      // a job is marked archived a moment after S3 acknowledged its object
      RouterProcess.await(
          "1,000 jobs marked archived",
          Duration.ofSeconds(60),
          () -> metric(router, "eventrouter_jobs_archived_total") == 1_000);
    } finally {
      s3.close();
    }
  }

  private static double metric(Router router, String series) {
    try {
      return Metrics.value(TestRouter.get(router, "/metrics").body(), series);
    } catch (Exception e) {
      return 0;
    }
  }

  private Path registry(String destination) throws Exception {
    Path registry = dir.resolve("registry-" + System.nanoTime() + ".conf");
    String name = destination.substring(0, destination.indexOf(' '));
    StringBuilder sources = new StringBuilder();
    SOURCES.forEach(
        s -> sources.append(s).append(" { destinations = [").append(name).append("] }\n"));
    Files.writeString(
        registry, "destinations { " + destination + " }\nsources {\n" + sources + "}\n");
    return registry;
  }
}
